"""The scenario runner (`journeylang test`, journeylang/scenarios.py) and the pytest API
(journeylang/testing.py), RUNTIME.md section 7.

* the project's own scenarios (journeys/tests/) all pass, and together they reach every
  node of every journey in journeys/;
* a scenario that must fail (tests/fixtures/scenarios/must_fail.scenario.yaml) fails and
  explains itself: the expected action, the actual ones, the profile's timeline with the
  branch taken and the values it read;
* `journeylang test` exit codes and closing line; malformed files are failures, never
  tracebacks;
* `Simulation`: from_source, stepping the clock, self-explaining assertions.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from journeylang import cli
from journeylang.pipeline import analyse
from journeylang.testing import Simulation
from journeylang.testing.scenarios import find_scenarios, run_scenario, run_tests

ROOT = Path(__file__).resolve().parent.parent
JOURNEYS = ROOT / "journeys"
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = cli.main([*args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, out + err
    return code, out + err


# ----------------------------------------------------------------------------- the project's scenarios
@pytest.fixture(scope="module")
def project_run():
    return run_tests([str(JOURNEYS)])


def test_the_project_has_a_scenario_file_per_journey_file():
    journey_files = {p.name[:-len(".journey")] for p in JOURNEYS.glob("*.journey")} - {"policy", "segments"}
    scenario_files = {Path(p).name[:-len(".scenario.yaml")] for p in find_scenarios([str(JOURNEYS)])}
    assert journey_files <= scenario_files, f"no scenario file for {sorted(journey_files - scenario_files)}"


def test_the_project_scenarios_all_pass(project_run):
    failed = [r for r in project_run.results if not r.passed]
    report = "\n\n".join(f"{r.file}::{r.name}\n" + "\n".join(r.problems) + "\n" + r.explanation for r in failed)
    assert not failed, report
    assert len(project_run.results) >= 30


def test_every_journey_is_fully_covered(project_run):
    journeys = set(analyse([str(JOURNEYS)]).graphs)
    assert set(project_run.coverage) == journeys
    missing = {name: unreached for name, (covered, total, unreached) in project_run.coverage.items()
               if covered != total}
    assert not missing, "nodes no scenario reaches:\n" + "\n".join(
        f"  {name}: {label}" for name, labels in sorted(missing.items()) for label in labels)


def test_a_single_scenario_file_runs_against_the_program_above_it(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # the repository root holds broken fixture programs; they must not be used
    code, out = _cli(capsys, "test", "journeys/tests/order_confirmation.scenario.yaml")
    assert code == 0, out
    assert out.rstrip().splitlines()[-1].endswith("passed, 0 failed")


# ----------------------------------------------------------------------------- a scenario that must fail
def test_the_must_fail_scenario_fails_and_explains_itself():
    run = run_tests([str(FIXTURES / "must_fail.scenario.yaml")])
    [result] = run.results
    assert not result.passed
    # expected side: the expectation's YAML file:line, the missing action with its criteria, the time
    # absolute with the offset from the start in brackets (the form actual actions are shown in too)
    assert result.problems == [f"{FIXTURES / 'must_fail.scenario.yaml'}:14: missing action: "
                               "at=2026-11-20T10:30:00Z (+1h30m), profile=bob, journey=cart_nudge, channel=sms, "
                               "message=cart_text, status=sent"]
    assert result.line == 5
    text = result.explanation
    # actual side: the profile's actions (none), then its timeline
    assert "actual actions:\n  (none)" in text
    assert "Email:bob@example.com in every journey" in text
    assert "[cart_nudge] entered as cart_nudge/Email:bob@example.com/1" in text
    assert "2026-11-20T10:30:00Z  [cart_nudge] n2 if (line 10): took `false`" in text
    assert "consented(sms)  -> false" in text
    assert 'profile.consents.marketing.sms.val = "n"' in text
    assert "exited: completed" in text


def test_must_fail_on_the_command_line(capsys):
    code, out = _cli(capsys, "test", str(FIXTURES / "must_fail.scenario.yaml"))
    assert code == 1
    lines = out.rstrip().splitlines()
    assert lines[0].startswith("FAIL ") and lines[0].endswith("::expects an sms without sms consent")
    assert "must_fail.scenario.yaml:14: missing action: at=2026-11-20T10:30:00Z (+1h30m), profile=bob" in out
    assert "took `false`" in out and "consented(sms)" in out
    assert lines[-1] == "0 passed, 1 failed"


# ----------------------------------------------------------------------------- exit codes and output
def test_all_passing_exits_0(capsys):
    code, out = _cli(capsys, "test", str(FIXTURES / "passes.scenario.yaml"))
    assert code == 0, out
    assert out.splitlines()[0].startswith("ok   ")
    assert out.rstrip().splitlines()[-1] == "1 passed, 0 failed"


def test_any_failure_exits_1(capsys):
    code, out = _cli(capsys, "test", str(FIXTURES / "passes.scenario.yaml"), str(FIXTURES / "must_fail.scenario.yaml"))
    assert code == 1
    assert out.rstrip().splitlines()[-1] == "1 passed, 1 failed"


def test_quiet_prints_only_failures_and_the_closing_line(capsys):
    code, out = _cli(capsys, "test", "-q", str(FIXTURES / "passes.scenario.yaml"),
                     str(FIXTURES / "must_fail.scenario.yaml"))
    assert code == 1
    assert "ok   " not in out and "FAIL " in out
    assert out.rstrip().splitlines()[-1] == "1 passed, 1 failed"


def test_no_scenarios_found_exits_1(capsys, tmp_path):
    (tmp_path / "j.journey").write_text("segment s { profile.x == 1 }\n", encoding="utf-8")
    code, out = _cli(capsys, "test", str(tmp_path))
    assert code == 1
    assert "no scenarios found" in out
    assert out.rstrip().splitlines()[-1] == "0 passed, 0 failed"


def test_coverage_lists_the_nodes_no_scenario_reached(capsys):
    code, out = _cli(capsys, "test", "--coverage", str(FIXTURES / "must_fail.scenario.yaml"))
    assert code == 1
    assert "cart_nudge: 4/5 nodes (80%)" in out
    assert "not reached: n3 send sms cart_text (line 11)" in out
    code, out = _cli(capsys, "test", "--coverage", str(FIXTURES / "passes.scenario.yaml"))
    assert code == 0 and "cart_nudge: 5/5 nodes (100%)" in out and "not reached" not in out


def test_a_malformed_file_is_a_failure_not_a_traceback(capsys):
    code, out = _cli(capsys, "test", str(FIXTURES / "malformed.scenario.yaml"), str(FIXTURES / "passes.scenario.yaml"))
    assert code == 1
    assert "FAIL " in out and "malformed.scenario.yaml::(file)" in out and "cannot read scenarios" in out
    assert out.rstrip().splitlines()[-1] == "1 passed, 1 failed"


def test_misspelt_keys_and_missing_fields_are_failures(capsys):
    code, out = _cli(capsys, "test", str(FIXTURES / "misspelt.scenario.yaml"))
    assert code == 1
    assert "unknown key in expect.no_actions item 1: chanel (line 11); did you mean `channel`?" in out
    assert "event 1 has no type" in out
    assert out.rstrip().splitlines()[-1] == "0 passed, 2 failed"


@pytest.mark.parametrize("text, problem", [
    ("- just\n- a list\n", "cannot read scenarios"),
    ("scenarios: [1, 2]\n", "cannot read scenarios"),
    ("scenario: s\nprofiles: [ann]\n", "`profiles` is a mapping"),
    ("scenario: s\nevents: {at: +1h}\n", "`events` is a list"),
    ("scenario: s\nexpect: [actions]\n", "`expect` is a mapping"),
    ("scenario: s\nexpect: {rejected: many}\n", "expect.rejected is a number"),
    ("scenario: s\nexpect: {exit: []}\n", "unknown key in expect: exit"),
    ("scenario: s\nstart: yesterday\n", "cannot run the scenario"),
    ("scenario: s\nevents: [{at: +1 hour, profile: a, type: t}]\n", "cannot run the scenario"),
], ids=["list", "scenario-items", "profiles", "events", "expect", "rejected", "expect-key", "start", "offset"])
def test_malformed_scenarios_are_reported(capsys, tmp_path, text, problem):
    (tmp_path / "p.journey").write_text(
        "journey j {\n  entry event t\n  reentry always\n  add to audience a\n}\n", encoding="utf-8")
    (tmp_path / "x.scenario.yaml").write_text(text, encoding="utf-8")
    code, out = _cli(capsys, "test", str(tmp_path))
    assert code == 1
    assert problem in out, out


def test_program_key_is_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "p.journey").write_text(
        "journey j {\n  entry event app.launch\n  reentry always\n  add to audience launched\n}\n", encoding="utf-8")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "j.scenario.yaml").write_text(textwrap.dedent("""\
        program: ../app
        start: 2026-01-01T00:00:00Z
        scenario: a launch adds to the audience
        events: [{at: +5m, profile: ann, type: app.launch}]
        expect:
          actions: [{at: +5m, profile: ann, channel: audience, audience: launched, op: add}]
          exits: [{at: +5m, profile: ann, journey: j, reason: completed}]
        """), encoding="utf-8")
    run = run_tests([str(tmp_path / "specs")])
    assert [r.passed for r in run.results] == [True], run.results
    assert run.coverage["j"][:2] == (3, 3)


def test_expected_rejections_are_counted():
    analysis = analyse([str(FIXTURES)])
    spec = {"scenario": "bad record", "events": [{"at": "+1h", "profile": "ann", "type": "commerce.productListAdds",
                                                   "data": {"identityMap": {}}}], "expect": {"rejected": 0}}
    result = run_scenario(spec, analysis, "inline")
    assert not result.passed and result.problems == ["1 rejected records, expected 0"]
    spec["expect"]["rejected"] = 1
    assert run_scenario(spec, analysis, "inline").passed


# ----------------------------------------------------------------------------- the pytest API
PROGRAM = """\
journey cart {
  entry event commerce.productListAdds as add
  reentry always
  wait for event commerce.purchases within 30m {
    on event {
      exit "bought"
    }
  }
  if consented(email) {
    send email reminder
  }
}

message reminder {
  channel email
  subject "{{ add.productListItems[0].name | default('Your cart') }} is waiting"
  body "Hi {{ profile.person.name.firstName | default('there') }}"
}
"""


def _sim() -> Simulation:
    sim = Simulation.from_source(PROGRAM, start="2026-11-20T09:00:00Z")
    sim.profile("ann", person={"name": {"firstName": "Ann"}}, consents={"marketing": {"email": {"val": "y"}}})
    sim.profile("bob", consents={"marketing": {"email": {"val": "n"}}})
    sim.event("commerce.productListAdds", "ann", at="+1h", productListItems=[{"SKU": "YG-1", "name": "Yoga mat"}])
    sim.event("commerce.productListAdds", "bob", at="+1h")
    return sim


def test_from_source_runs_the_real_runtime():
    sim = _sim().run()
    action = sim.assert_action(profile="ann", channel="email", message="reminder", status="sent", at="+1h30m")
    assert action["to"] == "ann@example.com"
    assert action["content"]["subject"] == "Yoga mat is waiting"
    sim.assert_no_action(profile="bob")
    sim.assert_exit(profile="bob", journey="cart", reason="completed", at="+1h30m")
    assert sim.report()["journeys"]["cart"]["entries"] == 2


def test_advancing_in_steps_gives_the_same_actions_as_one_run():
    whole = _sim().run(until="+3h")
    stepped = _sim()
    seen = []
    for _ in range(6):
        stepped.advance("30m")
        seen.append(len(stepped.actions()))
    assert seen == [0, 0, 1, 1, 1, 1]  # the reminder is due at +1h30m: the third step (inclusive)
    assert stepped.actions() == whole.actions()
    assert stepped.trace == whole.trace
    assert stepped.clock == whole.clock


def test_the_clock_refuses_records_in_the_past():
    from journeylang.testing import SimulationError
    sim = _sim()
    sim.advance("2h")
    with pytest.raises(SimulationError, match="before the simulation clock"):
        sim.event("commerce.purchases", "ann", at="2026-11-20T09:30:00Z")


def test_assert_action_failure_shows_expected_actual_and_the_timeline():
    sim = _sim().run()
    with pytest.raises(AssertionError) as info:
        sim.assert_action(profile="bob", channel="email", message="reminder", status="sent")
    text = str(info.value)
    assert text.startswith("no matching action\n  expected: profile=bob, channel=email, message=reminder, status=sent")
    assert "the profile has no actions" in text
    assert "Email:bob@example.com in journey" not in text  # no journey given: every journey
    assert "Email:bob@example.com in every journey" in text
    assert "took `false`" in text and "consented(email)  -> false" in text
    assert 'profile.consents.marketing.email.val = "n"' in text


def test_assert_no_action_failure_lists_what_was_found():
    sim = _sim().run()
    with pytest.raises(AssertionError) as info:
        sim.assert_no_action(profile="ann", channel="email")
    text = str(info.value)
    assert "an action that should not exist" in text
    assert "but found:\n    2026-11-20T10:30:00Z cart Email:ann@example.com email reminder sent" in text


def test_a_purchase_within_the_wait_exits_with_its_reason():
    sim = _sim()
    sim.event("commerce.purchases", "ann", at="+1h10m")
    sim.run()
    sim.assert_exit(profile="ann", journey="cart", reason="bought", at="+1h10m")
    sim.assert_no_action(profile="ann")
    with pytest.raises(AssertionError, match="no matching exit"):
        sim.assert_exit(profile="ann", reason="completed")


def test_profile_criteria_follow_merges():
    """Records written before a merge carry the absorbed profile's id; asking for either
    name finds them (both resolve to the merged profile), and the timeline shows them."""
    sim = Simulation.from_source(
        "journey launched {\n  entry event application.launch\n  reentry always\n"
        "  add to audience app_users\n}\n", start="2026-11-20T09:00:00Z")
    sim.profile("ann")
    sim.event("application.launch", "ECID:77", at="+1h")  # anonymous app session
    sim.profile("ann_login", email="ann@example.com", identities={"ECID": "77"}, at="+2h")  # login links them
    sim.run()
    action = sim.assert_action(profile="ann", journey="launched", audience="app_users", at="+1h")
    assert action["profile"] == "ECID:77"
    assert sim.actions(profile="ECID:77") == [action]
    sim.assert_exit(profile="ann", journey="launched", reason="completed", at="+1h")
    text = sim.explain("ann", "launched")
    assert text.startswith("Email:ann@example.com in journey launched")
    assert "2026-11-20T10:00:00Z  entered as launched/ECID:77/1" in text
    assert "add audience app_users" in text
