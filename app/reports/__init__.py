"""PDF documents drawn with reportlab from ``app.core.report_data.ReportData``."""

from app.reports.render import render_pdf

__all__ = ["render_pdf"]
