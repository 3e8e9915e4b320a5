"""The start-up floor: a bare PySide6 window (QMainWindow + QTableView), painted, then quit.

Run as a script (``python bench/floor_window.py ROWS``), not as ``-m bench...``, so that it imports nothing
but PySide6. It shows the same amount of table as FlowDesk's first screen (ROWS rows of 7 text columns in
a 1280x800 window) and reports the end of its first paint exactly like FlowDesk's hook
(``FLOWDESK_EXIT_AFTER_FIRST_PAINT`` in ``flowdesk/ui/firstpaint.py``): ``flowdesk-first-paint <time.monotonic()>``.
"""

import sys
import time

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


class Model(QAbstractTableModel):
    def __init__(self, rows):
        super().__init__()
        self.rows = rows

    def rowCount(self, parent=QModelIndex()):  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: B008, N802
        return 0 if parent.isValid() else 7

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        return None


class Probe(QObject):
    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.report)
        return False

    def report(self):
        print(f"flowdesk-first-paint {time.monotonic():.6f}", flush=True)
        QApplication.quit()


app = QApplication(sys.argv[:1])
window = QMainWindow()
view = QTableView(window)
view.setModel(Model([("Resolved", f"#{40000 + i}", "Harborline IT", f"Session {i}", "2026-11-18 14:40", "1h 05m", "")
                     for i in range(ROWS)]))  # fmt: skip
window.setCentralWidget(view)
window.resize(1280, 800)
probe = Probe()
view.viewport().installEventFilter(probe)
window.show()
sys.exit(app.exec())
