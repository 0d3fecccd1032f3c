"""MRZ parsing and validation against ICAO Doc 9303 specimens and worked examples."""

from datetime import date

import pytest

from svs.mrz.checkdigit import check_digit, verify
from svs.mrz.parse import parse

TODAY = date(2026, 11, 22)

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
MRVA = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
MRVB = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]


def test_check_digit_worked_example() -> None:
    # ICAO 9303 part 3, 4.9: the date 520727 has check digit 3
    assert check_digit("520727") == "3"
    assert check_digit("L898902C3") == "6"
    assert verify("<<<<<<<<<<<<<<", "<", empty_may_be_filler=True)
    assert verify("<<<<<<<<<<<<<<", "0", empty_may_be_filler=True)


@pytest.mark.parametrize("lines, fmt", [(TD3, "TD3"), (TD1, "TD1"), (TD2, "TD2"), (MRVA, "MRVA"), (MRVB, "MRVB")])
def test_icao_specimens_are_valid(lines: list[str], fmt: str) -> None:
    p = parse(lines, TODAY)
    assert p.format == fmt
    assert p.valid, p.checks
    assert p.fields.surname == "ERIKSSON" and p.fields.given_names == "ANNA MARIA"
    assert p.fields.birth_date in ("1974-08-12", "1940-09-07")


def test_td3_fields() -> None:
    f = parse(TD3, TODAY).fields
    assert (f.document_code, f.issuing_state, f.document_number, f.nationality) == ("P", "UTO", "L898902C3", "UTO")
    assert (f.birth_date, f.sex, f.expiry_date, f.optional_data) == ("1974-08-12", "F", "2012-04-15", "ZE184226B")


def test_expired_document_is_reported() -> None:
    assert "mrz.expired" in parse(TD3, TODAY).reasons
    assert "mrz.expired" not in parse(TD3, date(2011, 1, 1)).reasons


def test_wrong_check_digit_is_invalid_and_nothing_is_corrected() -> None:
    bad = [TD3[0], TD3[1][:9] + "7" + TD3[1][10:]]
    p = parse(bad, TODAY)
    assert not p.valid
    assert p.checks["document_number"] is False and p.checks["composite"] is False
    assert "mrz.invalid_check_digit" in p.reasons
    assert p.fields.document_number == "L898902C3"  # what was printed


def test_unknown_state_code() -> None:
    lines = [TD3[0].replace("UTO", "ZZZ", 1), TD3[1]]
    assert "mrz.unknown_state" in parse(lines, TODAY).reasons


def test_germany_d_with_fillers_is_known() -> None:
    body = "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"
    p = parse(["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", body], TODAY)
    assert "mrz.unknown_state" not in p.reasons
    assert p.fields.nationality == "D"


def test_impossible_date_is_invalid_date() -> None:
    dob = "741399"
    body = f"L898902C36UTO{dob}{check_digit(dob)}F1204159ZE184226B<<<<<"
    line2 = body + "<" + check_digit(body[0:10] + body[13:20] + body[21:43])
    p = parse([TD3[0], line2[:44]], TODAY)
    assert "mrz.invalid_date" in p.reasons


def test_unknown_birth_day_written_with_fillers_is_a_warning_not_an_error() -> None:
    dob = "7408<<"
    body = f"L898902C36UTO{dob}{check_digit(dob)}F1204159ZE184226B<<<<<"
    body += check_digit(body[28:42])
    line2 = body + check_digit(body[0:10] + body[13:20] + body[21:43])
    p = parse([TD3[0], line2], TODAY)
    assert p.fields.birth_date is None and "birth_date_unknown" in p.warnings
    assert "mrz.invalid_date" not in p.reasons


def test_td1_long_document_number_overflows_into_optional_data() -> None:
    # ICAO 9303 part 5: number D23145890734 with check digit 9 continues after a '<' in position 15
    number = "D23145890734"
    l1 = f"I<UTO{number[:9]}<{number[9:]}{check_digit(number)}".ljust(30, "<")
    l2 = "7408122F1204159UTO<<<<<<<<<<<"
    l2 = l2[:29] + check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    p = parse([l1, l2, TD1[2]], TODAY)
    assert p.valid, p.checks
    assert p.fields.document_number == number
    assert "document_number_overflow" in p.warnings


def test_birth_century_from_processing_date() -> None:
    dob = "100101"
    body = f"L898902C36UTO{dob}{check_digit(dob)}F3004159ZE184226B<<<<<"
    line2 = body + "<" + check_digit(body[0:10] + body[13:20] + body[21:43])
    p = parse([TD3[0], line2[:44]], TODAY)
    assert p.fields.birth_date == "2010-01-01" and p.fields.expiry_date == "2030-04-15"


@pytest.mark.parametrize("lines", [[], ["P<UTO"], ["X" * 44, "Y" * 43], ["p<uto" + "a" * 39, "é" * 44]])
def test_anything_else_is_not_found(lines: list[str]) -> None:
    p = parse(lines, TODAY)
    assert p.format is None and p.reasons == ["mrz.not_found"] and not p.valid


# France's identity card of 1988-2021 (the published specimen): two 36-character lines in its own layout
FRA_ID = ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4"]


def test_french_identity_card_layout_is_read_by_its_own_rules() -> None:
    p = parse(FRA_ID, TODAY)
    assert p.format == "TD2" and p.valid, p.checks
    assert "layout_fra_national_id_1988" in p.warnings and "expiry_date_unknown" in p.warnings
    f = p.fields
    assert (f.surname, f.given_names, f.document_number) == ("BERTHIER", "CORINNE", "940992310285")
    assert (f.birth_date, f.sex, f.nationality, f.expiry_date) == ("1965-12-06", "F", "FRA", None)


def test_french_identity_card_with_a_wrong_digit_is_invalid_not_reread_as_icao() -> None:
    broken = [FRA_ID[0], FRA_ID[1][:30] + "7" + FRA_ID[1][31:]]  # birth date changed, its check digit kept
    p = parse(broken, TODAY)
    assert not p.valid and "mrz.invalid_check_digit" in p.reasons
    assert not p.checks["birth_date"]


def test_icao_td2_starting_like_a_french_card_keeps_icao_layout_when_it_validates() -> None:
    lines = ["IDFRAERIKSSON<<ANNA<MARIA<<<<<<<<<<<", TD2[1]]
    p = parse(lines, TODAY)
    assert p.valid and "layout_fra_national_id_1988" not in p.warnings
    assert p.fields.document_number == "D23145890"
