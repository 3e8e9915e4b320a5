"""Is a ticket's company the session's client (the other-company guard)?"""

from __future__ import annotations

import pytest

from flowdesk.connectwise.search import conditions_for, parse_ticket_text
from flowdesk.core.companies import check_company, name_words, same_company


@pytest.mark.parametrize(
    ("client", "name", "identifier"),
    [
        ("Harlow & Pierce LLP", "Harlow & Pierce LLP", "HarlowPierce"),
        ("harlow and pierce, l.l.p.", "Harlow & Pierce LLP", "HarlowPierce"),
        ("Bäckerei Müller & Söhne GmbH (Köln)", "Bäckerei Müller & Söhne GmbH", "BaeckereiMueller"),
        ("ACME Inc.", "Acme, Inc", None),
        ("Acme Corporation", "ACME CORP", None),
        ("Brightsmile Dental", "Somebody's old name", "BrightsmileDental"),  # the identifier says so
        ("Northgate Middle School", "Northgate Middle School", "NorthgateMS"),
        ("The Acme Group, Inc.", "ACME GROUP INC", None),
    ],
)  # fmt: skip
def test_the_same_company_written_differently(client, name, identifier):
    assert same_company(client, name, identifier)


@pytest.mark.parametrize(
    ("client", "name", "identifier"),
    [
        ("Brightsmile Dental Group", "Harlow & Pierce LLP", "HarlowPierce"),
        ("Cedar Ridge Veterinary Hospital", "Harlow & Pierce LLP", "HarlowPierce"),
        ("Acme", "Acme Widgets", "AcmeWidgets"),
        ("Summit Ridge Orthopedics", "Summit Ridge Dental", "SummitRidge"),  # a short shared prefix is not enough
        ("Inc", "Acme Inc", "Acme"),
        ("Cedar Ridge Veterinary Hospital", "Cedar Ridge Vet Clinic", "CedarRidgeVet"),  # asked, not guessed
        ("The Kessler Group", "Kessler Precision Machining", "Kessler"),  # "Group" is a word of the name
        ("Acme Group", "Acme Dental", "Acme"),
    ],
)  # fmt: skip
def test_different_companies(client, name, identifier):
    assert not same_company(client, name, identifier)


def test_no_client_is_said_not_guessed():
    check = check_company(None, "Harlow & Pierce LLP", "HarlowPierce")
    assert check.same is None and check.company == "Harlow & Pierce LLP"
    assert check_company("  ", "X", None).same is None
    assert name_words("The Acme Company, Ltd.") == ("acme",)


@pytest.mark.parametrize(
    ("text", "company", "closed", "conditions"),
    [
        ("Outlook password", "", False, '(summary contains "Outlook" or company/name contains "Outlook") and '
         '(summary contains "password" or company/name contains "password") and closedFlag = false'),
        ("#48211", "", False, "id = 48211"),
        ("48211", "", False, "id = 48211"),
        ("https://x/v4_6_release/services/system_io/router/openrecord.rails?recordName=Service&recid=48405", "", False, "id = 48405"),
        ("https://na.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=48405"
         "&companyName=acme", "", False, "id = 48405"),
        ("https://cw.acme.local/v2025_1/ConnectWise.aspx?fullscreen=false&locale=en_US#routeTo=ServiceFV&srRecID=48405",
         "", False, "id = 48405"),
        ("Ticket #48405", "", False, "id = 48405"),
        ("Ticket#48405/J. Smith cannot open Z: drive", "", False, "id = 48405"),  # a ConnectWise e-mail's subject
        ("", "Kessler", False, '(company/name like "Kessler%" or company/identifier like "Kessler%") and closedFlag = false'),
        ('say "hi"', "", True, '(summary contains "say" or company/name contains "say") and '
         '(summary contains "hi" or company/name contains "hi")'),
        ("", "", False, "closedFlag = false"),
    ],
)  # fmt: skip
def test_text_becomes_connectwise_conditions(text, company, closed, conditions):
    assert conditions_for(parse_ticket_text(text, company=company, include_closed=closed)) == conditions
