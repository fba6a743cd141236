"""The knowledge base is loaded once even when two threads ask for it at the same time
(the start-up warm-up on its thread, and the user opening a patient)."""

from __future__ import annotations

import threading
import time

import app.core.knowledge as knowledge_module
from app.services import ClinicService


def test_two_threads_asking_at_once_load_it_once(tmp_path, monkeypatch, kb):
    service = ClinicService.create(tmp_path / "c.db", name="Demo", demo=True)
    loads = []

    def slow_load():
        loads.append(threading.current_thread().name)
        time.sleep(0.2)  # long enough for the other thread to ask meanwhile
        return kb

    monkeypatch.setattr(knowledge_module, "load_knowledge", slow_load)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(service.knowledge)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and seen[0] is seen[1] is kb
    service.close()
