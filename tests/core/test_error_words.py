"""The words every error line shares: a request id is the line's last sentence; refused keys say what to do where
they are read."""

from __future__ import annotations

import pytest

from flowdesk.connectwise.errors import AuthError, RateLimited
from flowdesk.core.error_words import keys_rejected, said_where, with_request_id
from flowdesk.resolutionflow.errors import ServerError


@pytest.mark.parametrize(
    ("message", "line"),
    [
        # it was "… minutes. (request id r-9)": the id glued after the full stop
        ("Try again in a few minutes.", "Try again in a few minutes. Request id: r-9"),
        ("check the company ID you sign in with", "check the company ID you sign in with. Request id: r-9"),
        ("it cannot see it (ConnectWise said: Ticket 1 not found)", "it cannot see it (ConnectWise said: Ticket 1 not found). Request id: r-9"),
        ("Is the network down?", "Is the network down? Request id: r-9"),
    ],
)
def test_a_request_id_is_the_last_sentence_of_the_line(message, line):
    assert with_request_id(message, "r-9") == line
    assert with_request_id(message, None) == message  # none given: the words alone
    assert str(RateLimited(message, request_id="r-9")) == line  # every service error says it so
    assert str(ServerError(message, request_id="r-9")) == line


def test_refused_keys_say_what_to_do_where_they_are_read():
    err = AuthError(keys_rejected(401, "acme"), company="acme", status=401, request_id="r-1")
    elsewhere = str(err)
    assert "enter them in Settings > ConnectWise account (or with `flowdesk connect`)" in elsewhere
    assert said_where(err, "elsewhere") == elsewhere
    here = said_where(err, "here")  # Settings, the first-run setup: the fields are right there
    assert here == (
        "ConnectWise rejected your API keys (HTTP 401) for company 'acme'. Check the company ID and both keys above; "
        "if the keys were deleted or changed, create new ones in ConnectWise under My Account → API Keys and enter "
        "them here. Request id: r-1"
    )
    command = said_where(err, "command", "Nothing was saved.")
    assert command.endswith("run `flowdesk connect` again with them. Nothing was saved. Request id: r-1")
    assert "Settings" not in here and "Settings" not in command


def test_other_errors_are_said_as_they_are():
    err = RateLimited("ConnectWise is receiving too many requests (HTTP 429): wait a minute before trying again.",
                      request_id="r-2")
    assert said_where(err, "here") == str(err)
    assert said_where(err, "command", "Nothing was saved.") == (
        "ConnectWise is receiving too many requests (HTTP 429): wait a minute before trying again. Nothing was saved. "
        "Request id: r-2"
    )
    assert said_where(ValueError("no keyring"), "connect", "Nothing was saved.") == "no keyring. Nothing was saved."


def test_a_refused_sign_in_says_what_to_do_where_it_is_read():
    from flowdesk.resolutionflow.account import SignInFailed
    from flowdesk.resolutionflow.errors import TOKEN_REJECTED, WRONG_PASSWORD, SignInRequired

    wrong = SignInRequired(WRONG_PASSWORD, status=401, request_id="r-3")
    assert str(wrong).endswith(  # elsewhere, as before
        "paste an access token instead (Settings, or `flowdesk signin --token-stdin`). Request id: r-3"
    )
    assert said_where(wrong, "here").endswith("paste an access token instead in the Access token field above. Request id: r-3")
    assert said_where(wrong, "command").endswith("instead with `flowdesk signin --token-stdin`. Request id: r-3")
    failed = SignInFailed(said_where(wrong, "elsewhere", "Nothing was saved."), error=wrong)
    assert str(failed).endswith("(Settings, or `flowdesk signin --token-stdin`). Nothing was saved. Request id: r-3")
    assert said_where(failed, "here").endswith("in the Access token field above. Nothing was saved. Request id: r-3")
    # ResolutionFlow's own words are said as they are, even when they look like ours
    token = SignInRequired(TOKEN_REJECTED, detail="{token} {again}")
    assert said_where(token, "here").startswith(
        "ResolutionFlow did not accept the access token you pasted (ResolutionFlow said: {token} {again}). Copy it "
        "again and paste it in the Access token field above"
    )


def test_a_window_banner_whose_button_opens_settings_names_settings_alone():
    from flowdesk.resolutionflow.account import refresh_failed
    from flowdesk.resolutionflow.errors import EXPIRED_IDLE, SignInRequired

    expired = SignInRequired(EXPIRED_IDLE, status=401)
    assert str(expired).endswith("Sign in to ResolutionFlow again (Settings, or `flowdesk signin`).")
    assert refresh_failed(expired) == (
        "Could not refresh your sessions: Your ResolutionFlow sign-in expired because FlowDesk was not used with it "
        "for a while (ResolutionFlow said: session_expired_idle). Sign in to ResolutionFlow again in Settings."
    )
    keys = AuthError(keys_rejected(401, "acme"), company="acme", status=401)
    assert said_where(keys, "window").endswith("enter them in Settings > ConnectWise account.")
