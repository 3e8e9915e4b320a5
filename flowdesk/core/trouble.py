"""The words for a broken environment, and for what nobody foresaw: the command line's one line (exit 1)
when a folder is full, read-only or not ours, and when something unexpected happened."""

from __future__ import annotations

FIX_FOLDER = "give your user write access to it, or set FLOWDESK_HOME to a folder you own"


def disk_full(where: object) -> str:
    return f"The disk holding {where} is full: free some space and try again. Nothing was changed."


def read_only(where: object) -> str:
    return f"{where} is on a read-only disk or folder: {FIX_FOLDER}. Nothing was changed."


def no_permission(where: object) -> str:
    return f"FlowDesk may not write to {where} (permission denied): {FIX_FOLDER}. Nothing was changed."


def cannot_use(where: object, why: str) -> str:
    return f"FlowDesk cannot use {where} ({why}): check the folder and the disk. Nothing was changed."


def unexpected(error: str, log_file: object | None) -> str:
    where = f"the details are in {log_file}" if log_file else "no log could be written"
    return f"Unexpected error ({error}); {where}. Please report it."


def too_much_input(what: str, log_file: object | None) -> str:
    """A command's input FlowDesk could not take in (``what``: ``nested too deeply``, ``too large``): not a bug to
    report, a file to check."""
    where = f"; the details are in {log_file}" if log_file else ""
    return f"The input is {what} for FlowDesk to handle: check the file you gave it{where}."


def logging_off(why: str) -> str:
    return f"cannot write the log ({why}); logging to the console only"
