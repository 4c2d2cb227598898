"""swe-forge's door into the maintained `swebench` package (and pyarrow), for the TypeScript side.

One JSON request on stdin, one JSON answer on stdout. Commands (argv[1]):
  table   {}                                        -> {"package_version", "parsers": [...], "by_repo": {repo: parser}}
  known   {"rows": [{"repo", "log_parser"?}]}       -> {"known": [bool, ...], "package_version": str}
  script  {"instance": {...}}                       -> {"eval_script": str | null} (the row's own, as run)
  grade   {"items": [{"instance", "log", "model_patch"}]} -> {"reports": [get_eval_report(...)[id], ...]}
  parquet {"path": str}                             -> {"rows": [...]} (pyarrow; timestamps as ISO 8601)
  toml    {"path": str}                             -> {"data": {...}} (tomllib: Harbor's task.toml)
  run_report {"root", "run_id", "predictions": [...], "dataset": [{"instance_id"}]}
                                                    -> {"report": {...}, "package_version"} (make_run_report over
                                                       <root>/logs/run_evaluation/<run_id>/, as the harness counts)

Grading goes through swebench.harness.grading.get_eval_report itself (its markers, its per-repository log
parser, its FAIL_TO_PASS / PASS_TO_PASS rule, its exit-code cross-check): parity by construction, not a copy.
Written against swebench 5.x, where rows name their parser and carry their eval script; a row without them
(older dataset exports) gets the parser the package maps its repository to.
"""

import datetime
import json
import os
import sys
import tempfile


def _parsers():
    """(registry name -> parser, repo -> registry name). swebench >= 5 names a row's parser (`log_parser`);
    its per-language MAP_REPO_TO_PARSER_* tables still say which parser each known repository uses."""
    from swebench.harness import log_parsers
    from swebench.harness.log_parsers import PARSER_REGISTRY

    by_func = {id(f): name for name, f in PARSER_REGISTRY.items()}
    by_repo = {}
    for mod_name in ("python", "javascript", "java", "go", "php", "ruby", "rust", "c"):
        try:
            mod = __import__(f"swebench.harness.log_parsers.{mod_name}", fromlist=["x"])
        except ImportError:
            continue
        for attr in dir(mod):
            if attr.startswith("MAP_REPO_TO_PARSER"):
                for repo, f in getattr(mod, attr).items():
                    if id(f) in by_func:
                        by_repo.setdefault(repo, by_func[id(f)])
    del log_parsers
    return PARSER_REGISTRY, by_repo


def _parser_name(row):
    registry, by_repo = _parsers()
    named = row.get("log_parser")
    if named in registry:
        return named
    return by_repo.get(row.get("repo"))


def _version():
    try:
        from importlib.metadata import version

        return version("swebench")
    except Exception:  # noqa: BLE001 - only informational
        return "unknown"


def table(_req):
    registry, by_repo = _parsers()
    return {"package_version": _version(), "parsers": sorted(registry), "by_repo": by_repo}


def known(req):
    return {"known": [_parser_name(r) is not None for r in req["rows"]], "package_version": _version()}


def _lists(instance):
    def load(key):
        v = instance.get(key, [])
        return json.loads(v) if isinstance(v, str) else list(v)

    return load("FAIL_TO_PASS"), load("PASS_TO_PASS")


def _test_spec(instance):
    """The package's own make_test_spec over the row, with what an older row lacks filled in: the parser from
    the repository, the eval type from FAIL_ONLY_REPOS, an empty eval script (grading does not run it)."""
    from swebench.harness.constants import FAIL_ONLY_REPOS, EvalType
    from swebench.harness.utils import make_test_spec

    f2p, p2p = _lists(instance)
    row = {
        "instance_id": instance["instance_id"],
        "image": instance.get("image") or instance.get("image_name") or "",
        "eval_script": instance.get("eval_script") or "",
        "repo": instance["repo"],
        "version": instance.get("version") or "",
        "FAIL_TO_PASS": f2p,
        "PASS_TO_PASS": p2p,
        "log_parser": _parser_name(instance),
        "eval_type": instance.get("eval_type")
        or (EvalType.FAIL_ONLY.value if instance["repo"] in FAIL_ONLY_REPOS else EvalType.PASS_AND_FAIL.value),
    }
    if row["log_parser"] is None:
        raise ValueError(f"swebench {_version()} has no log parser for {instance['repo']}")
    return make_test_spec(row)


def script(req):
    """The harness's eval script of a row that carries one (swebench >= 5 datasets: `eval_script`), as the
    harness runs it (exit-code line added by the package)."""
    inst = req["instance"]
    if not inst.get("eval_script"):
        return {"eval_script": None}
    return {"eval_script": _test_spec(inst).eval_script}


def grade(req):
    from swebench.harness.grading import get_eval_report

    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, item in enumerate(req["items"]):
            inst = item["instance"]
            path = os.path.join(tmp, f"{i}.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(item["log"])
            pred = {
                "instance_id": inst["instance_id"],
                "model_name_or_path": item.get("model_name_or_path", "swe-forge"),
                "model_patch": item.get("model_patch"),
            }
            rep = get_eval_report(_test_spec(inst), pred, path, True)
            reports.append(rep[inst["instance_id"]])
    return {"reports": reports}


def _plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def parquet(req):
    import pyarrow.parquet as pq

    table = pq.read_table(req["path"])
    return {"rows": [_plain(r) for r in table.to_pylist()]}


def toml(req):
    import tomllib

    with open(req["path"], "rb") as f:
        return {"data": _plain(tomllib.load(f))}


def run_report(req):
    """The package's own make_run_report over a logs/run_evaluation tree. It reads the tree relative to the working
    directory and writes <model>.<run_id>.json there, so it runs in a scratch folder whose logs/ links to the root's
    (the root's own report file is left alone); its printed summary goes to stderr."""
    import contextlib
    import inspect

    from swebench.harness.reporting import make_run_report

    preds = {}
    for p in req["predictions"]:
        if p["instance_id"] in preds:
            raise ValueError(f"two predictions for {p['instance_id']}: the harness would keep only the last")
        preds[p["instance_id"]] = p
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(os.path.abspath(req["root"]), "logs"), os.path.join(tmp, "logs"))
        kwargs = {"report_dir": tmp} if "report_dir" in inspect.signature(make_run_report).parameters else {}
        try:
            os.chdir(tmp)
            with contextlib.redirect_stdout(sys.stderr):
                path = make_run_report(preds, req["dataset"], req["run_id"], None, **kwargs)
            with open(os.path.join(tmp, path), encoding="utf-8") as f:
                report = json.load(f)
        finally:
            os.chdir(cwd)
    return {"report": report, "package_version": _version()}


COMMANDS = {"table": table, "known": known, "script": script, "grade": grade, "parquet": parquet, "toml": toml, "run_report": run_report}


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd not in COMMANDS:
        print(f"usage: swebench_bridge.py {{{'|'.join(COMMANDS)}}} < request.json", file=sys.stderr)
        return 2
    try:
        answer = COMMANDS[cmd](json.load(sys.stdin))
    except ImportError as err:
        print(f"missing Python package: {err.name} (install trainer/requirements.txt into the venv)", file=sys.stderr)
        return 3
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
