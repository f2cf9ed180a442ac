"""A failed "before" checkpoint stops the apply (rollback returns to it); ``--no-checkpoint`` /
``Engine.apply(checkpoint=False)`` turns checkpoints off explicitly.

The checkpoint's tag is refused by the emulator's fault injection (every write to ``git/tags``
answers 500), so the project's git cannot be checkpointed."""
import pytest

from apply_support import assert_lock_free, fresh_key, live_names
from dataiku_framework import FrameworkConfig, cli
from dataiku_framework.apply.run import CheckpointError
from dataiku_framework.state import StateStore
from emusupport import ADMIN_KEY

NO_TAGS = {"path_contains": "git/tags", "fail_nth_write": 1, "fail_count": 1000}


def _text(key):
    return ('version: "1.0"\nproject: {key: %s, name: Checkpoints}\ndatasets:\n'
            "  - {name: a, type: Filesystem, managed: true, format_type: csv}\n"
            "  - {name: b, type: Filesystem, managed: true, format_type: csv}\n" % key)


def _nothing_applied(client, key):
    assert live_names(client, key)["dataset"] == []
    assert not StateStore(client, key).read().exists
    assert_lock_free(client, key)


def test_a_failed_before_checkpoint_stops_the_apply(emu, client, engine):
    key = fresh_key("CK")
    config = FrameworkConfig.from_yaml(_text(key))
    emu.faults.configure(NO_TAGS)
    with pytest.raises(CheckpointError) as error:
        engine.apply(config)
    emu.faults.clear()
    message = str(error.value)
    assert "nothing was applied" in message and key in message and "--no-checkpoint" in message, message
    _nothing_applied(client, key)
    # once git works again, the same configuration applies, with its checkpoint
    result = engine.apply(config)
    assert result.succeeded, result.summary()
    assert engine.history(key)[0]["checkpoint_before"]


def test_checkpoints_turned_off_apply_without_touching_git(emu, client, engine):
    key = fresh_key("CK")
    emu.faults.configure(NO_TAGS)
    result = engine.apply(FrameworkConfig.from_yaml(_text(key)), checkpoint=False)
    tag_writes = [e for e in emu.stats.snapshot()["log"] if e["write"] and "git/tags" in e["path"]]
    emu.faults.clear()
    assert result.succeeded, result.summary()
    assert tag_writes == []
    assert any("checkpoints are off" in n and "cannot be rolled back" in n for n in result.notes), result.notes
    entry = engine.history(key)[0]
    assert entry["result"] == "succeeded" and entry["checkpoint_before"] is None and not entry.get("checkpoint_after")


def test_cli_stops_on_a_failed_checkpoint_and_no_checkpoint_turns_them_off(emu, client, tmp_path, capsys):
    key = fresh_key("CK")
    path = tmp_path / "c.yaml"
    path.write_text(_text(key))
    argv = ["apply", str(path), "--auto-approve", "--host", emu.url, "--api-key", ADMIN_KEY]
    emu.faults.configure(NO_TAGS)
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 1 and "no git checkpoint could be made before apply" in err and "Traceback" not in err, err
    _nothing_applied(client, key)
    code = cli.main(argv + ["--no-checkpoint"])
    out = capsys.readouterr().out
    emu.faults.clear()
    assert code == 0 and "checkpoints are off" in out, out
    assert sorted(live_names(client, key)["dataset"]) == ["a", "b"]


def test_no_checkpoint_is_documented():
    import os
    from emusupport import ROOT
    for page in ("configuration-plan-apply-state.md", "locking-and-rollback.md"):
        text = open(os.path.join(ROOT, "docs", "concepts", page), encoding="utf-8").read()
        assert "--no-checkpoint" in text, page
    assert "--no-checkpoint" in cli.build_parser()._subparsers._group_actions[0].choices["apply"].format_help()


def test_a_failed_after_checkpoint_is_a_note_of_an_apply_that_happened(emu, client, engine):
    key = fresh_key("CK")
    emu.faults.configure(dict(NO_TAGS, fail_nth_write=2))  # the first tag ("before") is made, not the second
    result = engine.apply(FrameworkConfig.from_yaml(_text(key)))
    emu.faults.clear()
    assert result.succeeded, result.summary()
    assert any("no git checkpoint after apply %s" % result.apply_id in n for n in result.notes), result.notes
    assert sorted(live_names(client, key)["dataset"]) == ["a", "b"]
    entry = engine.history(key)[0]
    assert entry["result"] == "succeeded" and entry["checkpoint_before"]
