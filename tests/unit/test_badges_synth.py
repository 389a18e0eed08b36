"""The badge generator on a small synthetic roster: demo totals, the monthly pattern (launch
spike, December bump, summer slump), rollout and roster rules, file formats, signatures,
quarantine shares and byte-identical reruns."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import openbadges as ob
from etl.context import IdentityVault, LoadContext
from etl.feeds import badges as feed
from etl.identity import staff_key_from_national_id
from etl.synth import SynthContext
from etl.synth import badges as gen
from etl.synth import badges_plan as plan

SECRET = b"synth-test"


def fake_roster(n: int = 6000, seed: int = 1) -> pd.DataFrame:
    """The columns the roster generator publishes in ctx.shared['roster_people']."""
    rng = np.random.default_rng(seed)
    tier = rng.choice(["basic", "middle", "senior"], n, p=[0.85, 0.1, 0.05])
    ptype = rng.choice(["it_series", "non_it_series", "contract", "general"], n, p=[0.4, 0.15, 0.15, 0.3])
    first = np.where(rng.random(n) < 0.8, "2024-01", rng.choice(["2025-09", "2026-02", "2026-05"], n))
    last = np.where(rng.random(n) < 0.08, "2025-12", None)
    return pd.DataFrame(
        {
            "person_id": np.arange(n),
            "national_id": [f"A{100000000 + i}" for i in range(n)],
            "email": [f"p{i}@c1001.gov.tw" for i in range(n)],
            "staff_number": [f"S{i:06d}" for i in range(n)],
            "agency_code": "C1001",
            "gov_level": "central",
            "tier": tier,
            "personnel_type": ptype,
            "rank_class": "junior",
            "grade": 7,
            "is_direct_it": ptype != "general",
            "first_month": first,
            "last_month": last,
            "ai_engagement": rng.beta(2, 3, n),
        }
    )


def run(out: Path, profile: str = "demo", seed: int = 2025) -> list:
    ctx = SynthContext(profile=profile, seed=seed, out=out)
    ctx.shared["roster_people"] = fake_roster()
    return gen.generate(ctx)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("badges-demo")
    return out, run(out)


def _award_months(out: Path) -> Counter:
    months: Counter = Counter()
    for p in sorted((out / "badges").rglob("*.jsonl")):
        months[p.stem[-6:]] += sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    return months


def test_demo_totals_and_manifest(demo: tuple[Path, list]) -> None:
    out, entries = demo
    award_rows = sum(e.rows for e in entries if e.fmt in ("ob2-jsonl", "ob3-jsonl", "csv-cp950"))
    assert 25_000 <= award_rows <= 35_000
    assert {e.feed for e in entries} == {"badges"}
    for e in entries:
        assert (out / e.path).is_file()
        assert e.date_min <= e.date_max
    assert {e.fmt for e in entries} == {"ob2-json", "ob2-jsonl", "ob3-json", "ob3-jsonl", "csv-cp950"}
    paths = {e.path for e in entries}
    assert {"badges/ob2/issuers.json", "badges/ob2/badgeclasses.json", "badges/ob2/revocations.json"} <= paths
    assert (
        "badges/ob2/assertions_202507.jsonl" in paths and "certifications/webhr_table51_202610.csv" in paths
    )
    assert not any("2025-06" in e.date_min for e in entries if e.fmt != "csv-cp950")


def test_monthly_pattern(demo: tuple[Path, list]) -> None:
    m = _award_months(demo[0])
    assert min(m) == "202507" and max(m) == "202610"
    mean = lambda *keys: sum(m[k] for k in keys) / len(keys)  # noqa: E731
    launch = m["202507"] / mean("202508", "202509", "202510", "202511")
    december = m["202512"] / mean("202509", "202510", "202511")
    summer = mean("202607", "202608") / mean("202605", "202606", "202609")
    assert launch > 2.0, launch
    assert december > 1.3, december
    assert summer < 0.65, summer


def test_rollout_and_roster_rules() -> None:
    people = plan.prepare_people(fake_roster(), np.random.default_rng(3))
    awards = plan.draw_badge_awards(people, 8000, np.random.default_rng(4))
    p = people.iloc[awards["person"].to_numpy()].reset_index(drop=True)
    early = (awards["awarded_at"] < "2026-01-01").to_numpy()
    # Phase 1: basic-level direct IT staff only; 2026 widens to everyone.
    assert set(p.loc[early, "tier"]) == {"basic"} and p.loc[early, "_direct"].all()
    assert set(p.loc[~early, "tier"]) == {"basic", "middle", "senior"}
    month = awards["awarded_at"].dt.year * 12 + awards["awarded_at"].dt.month - 1
    assert ((p["_first"] <= month) & (month <= p["_last"])).all()  # on the roster at the award date
    assert not awards.duplicated(["person", "badge_code"]).any()
    # Engaged people earn more: top engagement quintile vs bottom quintile.
    counts = np.bincount(awards["person"], minlength=len(people))
    eng = people["_eng"].to_numpy()
    assert counts[eng >= np.quantile(eng, 0.8)].mean() > 2 * counts[eng <= np.quantile(eng, 0.2)].mean()


def test_ob2_documents_follow_the_spec(demo: tuple[Path, list]) -> None:
    out = demo[0] / "badges" / "ob2"
    for bc in json.loads((out / "badgeclasses.json").read_text(encoding="utf-8")):
        for key in ("@context", "type", "id", "name", "description", "image", "criteria", "issuer"):
            assert bc[key], key
        assert all(
            {"targetName", "targetUrl", "targetFramework", "targetCode"} <= set(a) for a in bc["alignment"]
        )
    issuers = json.loads((out / "issuers.json").read_text(encoding="utf-8"))
    pem = next(i["publicKey"]["publicKeyPem"] for i in issuers if "publicKey" in i)
    signed = bad = hosted = expiring = 0
    salts: set[str] = set()
    for p in sorted(out.glob("assertions_*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if isinstance(doc, str):
                try:
                    ob.verify_jws(doc, pem)
                    signed += 1
                except ob.SignatureError:
                    bad += 1
                continue
            hosted += 1
            for key in ("@context", "type", "id", "recipient", "badge", "verification", "issuedOn"):
                assert doc[key], key
            assert doc["verification"] == {"type": "hosted"}
            if doc["recipient"]["hashed"]:
                assert doc["recipient"]["identity"].startswith("sha256$")
                salts.add(doc["recipient"]["salt"])
            expiring += "expires" in doc
    assert bad == gen.TARGETS["demo"].bad_signatures
    assert 0.005 < signed / (signed + hosted) < 0.02
    assert expiring > 0 and len(salts) == 16  # one batch per issuer and month, not per award


def test_ob3_documents_follow_the_spec(demo: tuple[Path, list]) -> None:
    out = demo[0] / "badges" / "ob3"
    kinds: Counter = Counter()
    for p in sorted(out.glob("credentials_*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            c = json.loads(line)
            assert c["@context"] and "OpenBadgeCredential" in c["type"] and c["issuer"]["id"]
            assert c["credentialSubject"]["achievement"]["id"]
            assert c["credentialStatus"]["type"] == "1EdTechRevocationList"
            kinds["vc2" if "validFrom" in c else "vc11"] += 1
            kinds["awardedDate"] += "awardedDate" in c
    assert kinds["vc2"] > kinds["vc11"] > 0 and kinds["awardedDate"] > 0
    status = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("status_revocations_*.json"))
    ]
    revoked = sum(len(s["revokedCredentials"]) for s in status)
    total = sum(kinds[k] for k in ("vc2", "vc11"))
    assert 0.004 < revoked / total < 0.02
    assert all(r["revocationReason"] and r["revokedOn"] for s in status for r in s["revokedCredentials"])


def test_webhr_files_are_cp950_with_roc_dates(demo: tuple[Path, list]) -> None:
    p = demo[0] / "certifications" / "webhr_table51_202604.csv"
    raw = p.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("cp950"), newline="")))
    assert rows and all(
        r["取得日期"][:3].isdigit() and int(r["取得日期"][:3]) in range(110, 116) for r in rows
    )
    names = Counter(r["證照名稱"].strip() for r in rows)
    assert len(names) > 20  # typed variants, not one canonical string per certification


def test_every_file_parses_within_the_quarantine_threshold(demo: tuple[Path, list], tmp_path: Path) -> None:
    people = fake_roster()
    vault = IdentityVault(tmp_path / "v.parquet")
    keys = [staff_key_from_national_id(SECRET, n) for n in people["national_id"]]
    vault.update(pd.DataFrame({"email": people["email"], "staff_key": keys}))
    ctx = LoadContext(secret=SECRET, vault=vault)
    reasons: Counter = Counter()
    loaded = 0
    for e in demo[1]:
        res = feed.parse(demo[0] / e.path, ctx)
        assert res.rows_read == e.rows, e.path
        assert res.rows_quarantined <= 0.02 * res.rows_read, (e.path, res.quarantine[:3])
        reasons.update(q.reason_code for q in res.quarantine)
        loaded += len(res.tables.get(feed.STAGE_TABLE, []))
    assert 25_000 <= loaded <= 35_000
    for reason in ("unknown_badge_class", "recipient_not_in_roster", "expiry_before_award", "duplicate_conflict",
                   "duplicate_identical", "bad_signature", "unknown_certification", "invalid_roc_date"):  # fmt: skip
        assert reasons[reason] > 0, reason
    assert reasons["bad_signature"] == gen.TARGETS["demo"].bad_signatures


def test_same_seed_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = plan.Targets(
        badge_awards=1500, cert_rows=300, signed_share=0.02, bad_signatures=2, problem_scale=1
    )
    monkeypatch.setitem(gen.TARGETS, "demo", small)
    monkeypatch.setitem(plan.TARGETS, "demo", small)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    run(a), run(b), run(c, seed=2026)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert (a / "badges/ob2/assertions_202507.jsonl").read_bytes() != (
        c / "badges/ob2/assertions_202507.jsonl"
    ).read_bytes()


def test_no_badge_in_a_roster_gap() -> None:
    """People absent from the roster for a few months (and back later) get no badge awarded and
    register no certification in those months; everyone else is unaffected by the rule."""
    roster = fake_roster()
    gap = np.zeros(len(roster), dtype=bool)
    gap[::5] = True  # a fifth of the people away 2026-02..2026-04 (Timestamps, as the roster publishes)
    roster["gap_start"] = pd.to_datetime(np.where(gap, "2026-02-01", None))
    roster["gap_end"] = pd.to_datetime(np.where(gap, "2026-04-01", None))
    people = plan.prepare_people(roster, np.random.default_rng(3))
    assert int((people["_gap_s"] >= 0).sum()) == int(gap.sum())
    mi = 2026 * 12 + 2  # 2026-03
    assert not plan.on_roster(people, mi)[gap].any()
    assert plan.on_roster(people, 2026 * 12 + 4)[gap].sum() > 0  # back in 2026-05
    awards = plan.draw_badge_awards(people, 20000, np.random.default_rng(4))
    in_gap = gap[awards["person"].to_numpy()] & awards["awarded_at"].between(
        "2026-02-01", "2026-04-30 23:59:59"
    )
    assert not in_gap.any()
    assert gap[awards["person"].to_numpy()].sum() > 0  # the same people do get badges outside the gap
    certs = plan.draw_certifications(people, 5000, np.random.default_rng(5))
    reg_gap = gap[certs["person"].to_numpy()] & certs["registered"].between(
        "2026-02-01", "2026-04-30 23:59:59"
    )
    assert not reg_gap.any()
    # Without the rule the same draw does put awards in the gap (the test can fail).
    loose = people.assign(_gap_s=-1, _gap_e=-1)
    again = plan.draw_badge_awards(loose, 20000, np.random.default_rng(4))
    assert (
        gap[again["person"].to_numpy()] & again["awarded_at"].between("2026-02-01", "2026-04-30 23:59:59")
    ).any()
