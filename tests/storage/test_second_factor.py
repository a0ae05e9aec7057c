"""TOTP codes and recovery codes: valid once, in their window, never replayed."""

from urllib.parse import parse_qs, urlsplit

import pyotp

from campaign.storage import second_factor as sf

NOW = 1_780_000_000.0  # a fixed moment, so the steps are known


def code_at(secret: str, moment: float) -> str:
    return pyotp.TOTP(secret, interval=sf.STEP_S).at(moment)


def test_the_current_code_is_accepted_once():
    secret = sf.new_secret()
    code = code_at(secret, NOW)
    step = sf.matching_step(secret, code, last_step=0, now=NOW)
    assert step == sf.current_step(NOW)
    assert sf.matching_step(secret, code, last_step=step, now=NOW) is None  # a replay


def test_the_neighbouring_steps_are_accepted_and_older_ones_are_not():
    secret = sf.new_secret()
    previous = code_at(secret, NOW - sf.STEP_S)
    following = code_at(secret, NOW + sf.STEP_S)
    stale = code_at(secret, NOW - 3 * sf.STEP_S)
    assert sf.matching_step(secret, previous, 0, NOW) == sf.current_step(NOW) - 1
    assert sf.matching_step(secret, following, 0, NOW) == sf.current_step(NOW) + 1
    assert sf.matching_step(secret, stale, 0, NOW) is None


def test_a_code_older_than_the_last_one_used_is_refused():
    """After the next step's code was used, the previous step's code is a replay too."""
    secret = sf.new_secret()
    used = sf.matching_step(secret, code_at(secret, NOW + sf.STEP_S), 0, NOW)
    assert used is not None
    assert sf.matching_step(secret, code_at(secret, NOW), used, NOW) is None


def test_malformed_codes_are_refused():
    secret = sf.new_secret()
    for code in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", None, 123456]:
        assert sf.matching_step(secret, code, 0, NOW) is None  # type: ignore[arg-type]


def test_spaces_in_a_code_are_ignored():
    secret = sf.new_secret()
    code = code_at(secret, NOW)
    assert sf.matching_step(secret, f"{code[:3]} {code[3:]}", 0, NOW) is not None


def test_the_setup_uri_carries_the_secret_name_and_issuer():
    secret = sf.new_secret()
    uri = urlsplit(sf.setup_uri(secret, "maria", "Free Alma"))
    query = parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert query["secret"] == [secret]
    assert query["issuer"] == ["Free Alma"]
    assert "maria" in uri.path


def test_recovery_codes_are_distinct_and_match_only_their_own_hash():
    codes = sf.new_recovery_codes()
    assert len(set(codes)) == sf.RECOVERY_CODES
    hashes = [sf.recovery_hash(code) for code in codes]
    assert all(code not in hashes for code in codes)  # only hashes are kept
    assert sf.matching_recovery(hashes, codes[3]) == hashes[3]
    assert sf.matching_recovery(hashes, codes[3].upper().replace("-", " ")) == hashes[3]
    assert sf.matching_recovery(hashes, "aaaa-aaaa-aaaa") is None
    assert sf.matching_recovery(hashes, "x" * 1000) is None
