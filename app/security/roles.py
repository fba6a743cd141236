"""Who may do what: the permission matrix as data.

Three roles. The matrix (``x`` = allowed):

==================  =============  =========  =========
action              administrator  clinician  assistant
==================  =============  =========  =========
patient.read        x              x          x
patient.write       x              x          x
clinical.read       x              x
regimen.write       x              x
result.write        x              x
import.commit       x              x          x
import.undo         x              x
finding.suppress    x              x
report.generate     x              x
data.export         x              x
user.manage         x
settings.write      x
backup.create       x
backup.restore      x
audit.view          x
audit.export        x
account.password    x              x          x
==================  =============  =========  =========

Decisions:

* **Administrators can also do all clinical work.** An administrator can create
  accounts and assign roles, so withholding clinical actions from them protects
  nothing; it would only push the typical small-clinic owner (who is also the lead
  clinician) into a second account, which muddles the one-person-one-account audit
  trail (HIPAA 164.312(a)(2)(i)). Their actions are audited like anyone else's.
* **Assistants** keep demographics (``patient.read``/``patient.write``) and commit lab
  imports, but do not open the clinical chart (results, regimen, findings,
  reports), undo imports, suppress findings, export data, or see the audit log:
  the minimum necessary for front-desk and data-entry work.
* ``account.password`` (changing one's own password) is open to everyone.
* Break-glass (security.md A7) is not a role: it is a per-user flag set by an
  administrator; ``EMERGENCY_ACTIONS`` lists what it may unlock (read-only chart
  access), always with a typed reason and an audit row.
"""

from __future__ import annotations

ADMINISTRATOR = "administrator"
CLINICIAN = "clinician"
ASSISTANT = "assistant"
ROLES = (ADMINISTRATOR, CLINICIAN, ASSISTANT)

PATIENT_READ = "patient.read"
PATIENT_WRITE = "patient.write"
CLINICAL_READ = "clinical.read"
REGIMEN_WRITE = "regimen.write"
RESULT_WRITE = "result.write"
IMPORT_COMMIT = "import.commit"
IMPORT_UNDO = "import.undo"
FINDING_SUPPRESS = "finding.suppress"
REPORT_GENERATE = "report.generate"
DATA_EXPORT = "data.export"
USER_MANAGE = "user.manage"
SETTINGS_WRITE = "settings.write"
BACKUP_CREATE = "backup.create"
BACKUP_RESTORE = "backup.restore"
AUDIT_VIEW = "audit.view"
AUDIT_EXPORT = "audit.export"
ACCOUNT_PASSWORD = "account.password"

# What each action means, worded to finish "Your role does not allow you to ...".
ACTION_LABELS: dict[str, str] = {
    PATIENT_READ: "view patient demographics",
    PATIENT_WRITE: "add or change patient demographics",
    CLINICAL_READ: "open the clinical chart (results, regimen, findings)",
    REGIMEN_WRITE: "change a patient's regimen",
    RESULT_WRITE: "enter or correct lab results",
    IMPORT_COMMIT: "import lab files",
    IMPORT_UNDO: "undo a lab import",
    FINDING_SUPPRESS: "suppress findings",
    REPORT_GENERATE: "create reports or handouts",
    DATA_EXPORT: "export patient data",
    USER_MANAGE: "manage user accounts",
    SETTINGS_WRITE: "change clinic settings",
    BACKUP_CREATE: "create backups",
    BACKUP_RESTORE: "restore a backup",
    AUDIT_VIEW: "view the audit log",
    AUDIT_EXPORT: "export the audit log",
    ACCOUNT_PASSWORD: "change your own password",
}
ACTIONS = tuple(ACTION_LABELS)

_CLINICAL = frozenset(
    {
        PATIENT_READ,
        PATIENT_WRITE,
        CLINICAL_READ,
        REGIMEN_WRITE,
        RESULT_WRITE,
        IMPORT_COMMIT,
        IMPORT_UNDO,
        FINDING_SUPPRESS,
        REPORT_GENERATE,
        DATA_EXPORT,
        ACCOUNT_PASSWORD,
    }
)
_ADMINISTRATION = frozenset(
    {USER_MANAGE, SETTINGS_WRITE, BACKUP_CREATE, BACKUP_RESTORE, AUDIT_VIEW, AUDIT_EXPORT}
)

PERMISSIONS: dict[str, frozenset[str]] = {
    ADMINISTRATOR: _CLINICAL | _ADMINISTRATION,
    CLINICIAN: _CLINICAL,
    ASSISTANT: frozenset({PATIENT_READ, PATIENT_WRITE, IMPORT_COMMIT, ACCOUNT_PASSWORD}),
}

# Break-glass may unlock reading the chart, never changing it or administering.
EMERGENCY_ACTIONS = frozenset({CLINICAL_READ})

ROLE_LABELS = {ADMINISTRATOR: "administrator", CLINICIAN: "clinician", ASSISTANT: "assistant"}


class PermissionDenied(Exception):
    """A role tried an action it is not allowed; ``str(error)`` is for the user.

    Attributes:
        action: the action refused.
        role: the role that asked.
    """

    def __init__(self, action: str, role: str):
        self.action = action
        self.role = role
        what = ACTION_LABELS.get(action, action)
        super().__init__(f"Your role ({ROLE_LABELS.get(role, role)}) does not allow you to {what}.")


def allowed(role: str, action: str) -> bool:
    """Tell whether ``role`` may perform ``action``; unknown roles and actions are refused."""
    return action in PERMISSIONS.get(role, frozenset())


def require(role: str, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``role`` may perform ``action``.

    The caller audits the refusal (``outcome='denied'``) before showing the message.
    """
    if not allowed(role, action):
        raise PermissionDenied(action, role)


def emergency_allows(action: str) -> bool:
    """Tell whether break-glass access may unlock ``action`` for a flagged user."""
    return action in EMERGENCY_ACTIONS
