"""tools/refine_batch.py and pose_audio_refine.batch: a folder of small inputs plus a corrupt file, resumed, through a
local Ray, with a worker killed mid-item; manifests and usage errors.

The inputs are copies of the bundled demo with its ``--poses`` estimate beside them (no MediaPipe), refined by a
tiny random MAPnet (as in test_refine_video.py). Each batch run starts its own worker processes (spawn) or Ray.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pose_audio_refine.batch import (DONE_MARKER, WORKER_DIED, BatchInputError, BatchItem, ItemOptions, check_complete,
                                     discover_items, read_manifest_records, run_item)
from pose_audio_refine.batch.manifest import fingerprint
from pose_audio_refine.batch.worker import THREAD_ENV_VARS

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
CLI = REPO / "tools" / "refine_batch.py"
GOOD = ("a", "b", "c")


def _cli():
    spec = importlib.util.spec_from_file_location("refine_batch_cli", CLI)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _statuses(out: Path) -> dict:
    return {r["name"]: r["status"] for r in read_manifest_records(out)}


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    """Three copies of the 10 s demo (video + NAME_poses.npz) and a corrupt 'video' of random bytes."""
    folder = tmp_path_factory.mktemp("collection")
    for name in GOOD:
        shutil.copy(DEMO / "violin_demo.mp4", folder / f"{name}.mp4")
        shutil.copy(DEMO / "violin_demo_poses.npz", folder / f"{name}_poses.npz")
    (folder / "bad.mp4").write_bytes(np.random.default_rng(0).integers(0, 256, 400, dtype=np.uint8).tobytes())
    return folder


@pytest.fixture(scope="module")
def local_run(collection, ckpt, tmp_path_factory):
    """The folder through 2 local workers, with the progress bar: (exit status, stdout, stderr, out folder)."""
    out = tmp_path_factory.mktemp("batch") / "out"
    proc = subprocess.run([sys.executable, str(CLI), str(collection), "--out", str(out), "--workers", "2",
                           "--checkpoint", str(ckpt)], capture_output=True, text=True, timeout=180)
    return proc.returncode, proc.stdout, proc.stderr, out


# --------------------------------------------------------------------------------------------- the checks
def test_three_done_one_failed_exit_1(local_run, collection):
    rc, stdout, stderr, out = local_run
    assert rc == 1, stderr
    assert "Traceback" not in stderr
    recs = {r["name"]: r for r in read_manifest_records(out)}
    assert [r["name"] for r in read_manifest_records(out)] == ["a", "b", "bad", "c"]  # input order
    assert {n: r["status"] for n, r in recs.items()} == {"a": "done", "b": "done", "c": "done", "bad": "failed"}
    bad = recs["bad"]
    assert "not a video" in bad["error"] and bad["error_type"] == "VideoReadError"
    assert bad["input"]["video"] == str(collection / "bad.mp4") and not (out / "bad").exists()
    for name in GOOD:
        r = recs[name]
        assert r["error"] is None and r["input"]["poses"] == str(collection / f"{name}_poses.npz")
        assert r["media_seconds"] == pytest.approx(10.0) and r["seconds"] > 0
        assert r["realtime_factor"] == pytest.approx(r["seconds"] / r["media_seconds"], rel=1e-2)
        # The same files as tools/refine_video.py writes, listed relative to DIR, plus the marker.
        assert set(r["outputs"]) == {"refined_npz", "refined_json", "refined_csv", "raw_npz", "plot", "bowing_plot",
                                     "summary"}
        assert all((out / p).is_file() for p in r["outputs"].values())
        assert check_complete(out / name) == (True, "")
        summary = json.loads((out / name / f"{name}_summary.json").read_text())
        assert summary["paths"]["refined_npz"] == str(out / name / f"{name}_refined.npz")  # not the temporary folder
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder left
    assert "3 done, 1 failed, 0 skipped" in stdout and str(out / "manifest.jsonl") in stdout
    assert "1 item(s) failed" in stdout
    assert "refining" in stderr and "done 3, failed 1" in stderr  # the one progress bar


def test_rerun_skips_complete_items_quickly(local_run, collection, ckpt, capsys):
    _, _, _, out = local_run
    before = {n: (out / n / f"{n}_refined.npz").stat().st_mtime_ns for n in GOOD}
    t0 = time.perf_counter()
    rc = _cli().main([str(collection), "--out", str(out), "--workers", "2", "--checkpoint", str(ckpt),
                      "--no-progress"])
    elapsed = time.perf_counter() - t0
    assert rc == 1  # the corrupt file fails again
    assert _statuses(out) == {"a": "skipped", "b": "skipped", "c": "skipped", "bad": "failed"}
    assert elapsed < 10, f"the rerun took {elapsed:.1f} s"
    assert before == {n: (out / n / f"{n}_refined.npz").stat().st_mtime_ns for n in GOOD}  # untouched
    assert "0 done, 1 failed, 3 skipped" in capsys.readouterr().out


def test_ray_local_same_statuses_bit_identical_poses(local_run, collection, ckpt, tmp_path, capsys):
    import ray  # installed by scripts/setup_env.sh (the [cluster] extra): this path is meant to run here

    _, _, _, local_out = local_run
    out = tmp_path / "ray_out"
    rc = _cli().main([str(collection), "--out", str(out), "--ray", "local", "--workers", "2",
                      "--checkpoint", str(ckpt), "--no-progress"])
    assert not ray.is_initialized()  # the local Ray it started is shut down
    assert rc == 1 and "ray at" in capsys.readouterr().out
    assert _statuses(out) == {"a": "done", "b": "done", "c": "done", "bad": "failed"}
    for name in GOOD:
        with np.load(out / name / f"{name}_refined.npz") as z_ray, \
                np.load(local_out / name / f"{name}_refined.npz") as z_local:
            assert z_ray["poses"].dtype == z_local["poses"].dtype
            assert z_ray["poses"].tobytes() == z_local["poses"].tobytes()  # bit-identical, NaNs included
        assert (out / name / f"{name}_refined.csv").read_bytes() == \
            (local_out / name / f"{name}_refined.csv").read_bytes()
    # The rerun rule is the same: complete items skipped.
    rc = _cli().main([str(collection / "a.mp4"), "--out", str(out), "--ray", "local", "--workers", "2",
                      "--checkpoint", str(ckpt), "--no-progress"])
    assert rc == 0 and _statuses(out) == {"a": "skipped"}


@pytest.mark.parametrize("backend", ["local", "ray"])
def test_killed_worker_leaves_item_not_done(collection, ckpt, tmp_path, backend):
    out = tmp_path / "out"
    args = [str(collection / "a.mp4"), str(collection / "b.mp4"), "--out", str(out), "--workers", "1",
            "--checkpoint", str(ckpt), "--no-progress"]
    ray_args = ["--ray", "local"] if backend == "ray" else []
    proc = subprocess.Popen([sys.executable, str(CLI), *args, *ray_args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    pid, t0 = None, time.monotonic()
    while pid is None and time.monotonic() - t0 < 120 and proc.poll() is None:
        tmp = list(out.glob(".a.tmp-*")) if out.is_dir() else []
        if tmp:  # item a started in worker <pid>: kill that worker mid-item
            pid = int(tmp[0].name.rsplit("-", 1)[1])
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
    stdout, stderr = proc.communicate(timeout=180)
    assert pid is not None and pid != proc.pid, stderr
    assert proc.returncode == 1, stderr
    recs = {r["name"]: r for r in read_manifest_records(out)}
    assert recs["a"]["status"] == "failed" and recs["a"]["error"] == WORKER_DIED
    assert recs["b"]["status"] == "done"  # the rest went on in a fresh pool
    assert not (out / "a").exists() and check_complete(out / "a")[0] is False
    assert "a (" in stdout and "worker process died" in stdout
    if backend == "ray":
        assert recs["a"]["error_type"] == "WorkerCrashedError"
        return  # the rerun rules are the same code for both backends (checked below and in the Ray test)
    # A half-written folder under the final name (as a crash of an older, non-atomic writer would leave) is not
    # mistaken for done: the rerun redoes a, cleans the stale temporary folder, and skips b.
    (out / "a").mkdir()
    (out / "a" / "a_refined.npz").write_bytes(b"half")
    rc = _cli().main(args)
    assert rc == 0 and _statuses(out) == {"a": "done", "b": "skipped"}
    assert check_complete(out / "a") == (True, "")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    # --overwrite redoes complete items.
    assert _cli().main([*args, "--overwrite"]) == 0 and _statuses(out) == {"a": "done", "b": "done"}


# --------------------------------------------------------------------------------------------- completeness
def test_check_complete_rejects_tampered_or_unmarked(local_run, tmp_path):
    _, _, _, out = local_run
    item = tmp_path / "a"
    shutil.copytree(out / "a", item)
    marker = json.loads((item / DONE_MARKER).read_text())
    assert check_complete(item, marker["key"]) == (True, "")
    assert check_complete(item, "another key") == (False, "made from other inputs or options")
    csv = item / "a_refined.csv"
    data = bytearray(csv.read_bytes())
    data[-3] = ord("7") if data[-3] != ord("7") else ord("8")  # same size, one digit changed
    csv.write_bytes(bytes(data))
    assert check_complete(item) == (False, "a_refined.csv has another hash")
    (item / "a_wrists.png").unlink()
    assert check_complete(item)[1] in ("a_refined.csv has another hash", "a_wrists.png is missing")
    (item / DONE_MARKER).unlink()
    assert check_complete(item) == (False, f"no valid {DONE_MARKER}")
    assert check_complete(tmp_path / "nothing") == (False, "no output folder")


def test_fingerprint_follows_inputs_and_options(tmp_path):
    f = tmp_path / "x.npz"
    f.write_bytes(b"1")
    item = BatchItem(name="x", poses=str(f), source="s1")
    k = fingerprint(item.describe(), item.input_files(), {"out_fps": 50.0})
    assert k == fingerprint(BatchItem(name="x", poses=str(f), source="s2").describe(), [str(f)], {"out_fps": 50.0})
    assert k != fingerprint(item.describe(), item.input_files(), {"out_fps": 25.0})
    f.write_bytes(b"22")
    assert k != fingerprint(item.describe(), item.input_files(), {"out_fps": 50.0})


# --------------------------------------------------------------------------------------------- poses-only items
def test_run_item_poses_only_with_audio(collection, ckpt, tmp_path, monkeypatch, torch_one_thread):
    for var in THREAD_ENV_VARS:  # run_item pins this process's threads: restored after the test
        monkeypatch.setenv(var, os.environ.get(var, ""))
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"poses": str(collection / "a_poses.npz"), "audio": str(collection / "a.mp4"),
                                    "out": "take"}) + "\n")
    (item,) = discover_items([manifest])
    rec = run_item(item, tmp_path / "out", ItemOptions(checkpoint=str(ckpt)), key="k1")
    assert rec["status"] == "done", rec["error"]
    assert set(rec["outputs"]) == {"refined_npz", "refined_json", "refined_csv", "raw_npz", "summary"}
    folder = tmp_path / "out" / "take"
    assert check_complete(folder, "k1") == (True, "") and not list((tmp_path / "out").glob(".take*"))
    from pose_audio_refine import RefineResult

    res = RefineResult.load(folder / "a_refined.npz")
    assert res.fps == 50 and res.poses.shape == (500, 13, 3) and res.audio_used and res.units == "mm"
    raw = RefineResult.load(folder / "a_raw.npz")
    src = RefineResult.load(collection / "a_poses.npz")
    assert np.array_equal(raw.poses, src.poses, equal_nan=True) and raw.fps == 15
    assert rec["media_seconds"] == pytest.approx(10.0) and rec["warnings"] == []
    # A poses file that is not one fails the item with its message, and leaves nothing behind.
    broken = tmp_path / "broken_poses.npz"
    broken.write_bytes(b"not an npz")
    rec = run_item(BatchItem(name="broken", poses=str(broken)), tmp_path / "out", ItemOptions(checkpoint=str(ckpt)),
                   key="k2")
    assert rec["status"] == "failed" and "broken_poses.npz" in rec["error"] and rec["outputs"] == {}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["take"]


# --------------------------------------------------------------------------------------------- inputs
def test_discover_folder_sidecars_and_names(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / ".hidden").mkdir()
    for p in ("x/take.mp4", "x/take_poses.npz", "y/take.MOV", "y/notes.txt", ".hidden/z.mp4", "x/readme.md"):
        (tmp_path / p).write_bytes(b"")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.mp4").write_bytes(b"")  # the output folder is not searched
    items = discover_items([tmp_path], out_dir=tmp_path / "out")
    assert [(i.name, Path(i.video).relative_to(tmp_path).as_posix()) for i in items] == \
        [("take", "x/take.mp4"), ("take-2", "y/take.MOV")]
    assert items[0].poses == str(tmp_path / "x" / "take_poses.npz") and items[1].poses is None
    again = discover_items([tmp_path], out_dir=tmp_path / "out", use_sidecar_poses=False, estimator_fps=12.5)
    assert [i.name for i in again] == ["take", "take-2"] and all(i.poses is None for i in again)
    assert all(i.estimator_fps == 12.5 for i in again)


def test_manifest_csv_rows(tmp_path):
    (tmp_path / "v.mp4").write_bytes(b"")
    m = tmp_path / "m.csv"
    m.write_text("video,poses,audio,fps,skeleton,units,estimator_fps,out\n"
                 "v.mp4,,,,,,12.5,\n"
                 ",p/take_poses.json,a.wav,30,h36m,m,,\n"
                 "v.mp4,,none,,,,,v_silent\n"
                 ",,,,,,,\n")
    a, b, c = discover_items([m])
    assert (a.name, a.video, a.estimator_fps, a.poses) == ("v", str(tmp_path / "v.mp4"), 12.5, None)
    assert (b.name, b.poses, b.audio, b.fps, b.skeleton, b.units) == \
        ("take", str(tmp_path / "p" / "take_poses.json"), str(tmp_path / "a.wav"), 30.0, "h36m", "m")
    assert (c.name, c.no_audio, c.audio) == ("v_silent", True, None)
    assert a.source == f"{m}:2" and b.input_files() == [b.poses, b.audio]


@pytest.mark.parametrize("body, message", [
    ("video,camera\nv.mp4,2\n", "unknown column(s) 'camera'"),
    ("video,poses\n,\nv.mp4,\n,,\n", "more cells than the header"),
    ("audio,out\nx.wav,y\n", "needs a video or a poses file"),
    ("video,audio\nv.mp4,other.wav\n", "audio= goes with poses-only rows"),
    ("video,fps\nv.mp4,30\n", "fps describe a poses file"),
    ("video,poses,estimator_fps\nv.mp4,p.npz,12\n", "estimator_fps is MediaPipe's rate"),
    ("video,estimator_fps\nv.mp4,5\n", "estimator_fps must be >= 10"),
    ("poses,fps\np.npz,fast\n", "fps must be a number"),
    ("poses,units\np.npz,inch\n", "units must be one of"),
    ("video,out\nv.mp4,x\nw.mp4,x\n", "output name 'x' is already used"),
    ("video,out\nv.mp4,../up\n", "cannot be an output name"),
    ("video,out\nv.mp4,manifest.jsonl\n", "cannot be an output name"),
    ("", "empty manifest"),
])
def test_manifest_csv_mistakes(tmp_path, body, message):
    m = tmp_path / "m.csv"
    m.write_text(body)
    with pytest.raises(BatchInputError, match="m.csv") as info:
        discover_items([m])
    assert message in str(info.value)


def test_manifest_jsonl(tmp_path):
    m = tmp_path / "m.jsonl"
    m.write_text('{"video": "/abs/v.mp4", "out": 7}\n\n{"poses": "p.csv", "fps": 25, "audio": null}\n')
    a, b = discover_items([m])
    assert (a.name, a.video) == ("7", "/abs/v.mp4")
    assert (b.name, b.poses, b.fps, b.audio) == ("p", str(tmp_path / "p.csv"), 25.0, None)
    m.write_text('{"video": "v.mp4"}\n[1, 2]\n')
    with pytest.raises(BatchInputError, match=r"m.jsonl:2: each line must be a JSON object"):
        discover_items([m])
    m.write_text('{"video": "v.mp4",\n')
    with pytest.raises(BatchInputError, match=r"m.jsonl:1: not JSON"):
        discover_items([m])


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    cli = _cli()
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "v.mp4").write_bytes(b"")
    (tmp_path / "m.csv").write_text("video,colour\nv.mp4,red\n")
    cases = [([str(tmp_path / "missing.mp4")], "INPUT not found"),
             ([str(tmp_path / "empty")], "no video"),
             ([str(tmp_path / "notes.txt")], "is not a video"),
             ([str(tmp_path / "m.csv")], "unknown column(s) 'colour'"),
             ([str(tmp_path / "empty"), "--checkpoint", str(tmp_path / "nope.pth")], "--checkpoint"),
             ([str(tmp_path / "empty"), "--estimator-fps", "5"], "--estimator-fps must be >= 10"),
             ([str(tmp_path / "v.mp4"), "--ray", "nonsense"], "expected 'local', 'auto', HOST:PORT"),
             ([str(tmp_path / "v.mp4"), "--ray", "127.0.0.1:1"], "cannot reach a Ray cluster at '127.0.0.1:1'")]
    for argv, message in cases:
        assert cli.main([*argv, "--out", str(tmp_path / "out")]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and "Traceback" not in err, err
    for argv in (["--out", str(tmp_path / "out")], [str(tmp_path), "--out", "o", "--workers", "0"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
    assert not (tmp_path / "out").exists()  # nothing written for a usage error
