# The two commands (see README): `make demo` runs the main job on a bundled default, `make test` runs the
# whole suite. Both do all set-up first; on a second run set-up is a no-op that takes well under a second.
PY := .venv/bin/python

.PHONY: setup demo test bench clean-venv

setup:
	@bash scripts/setup_env.sh

demo: setup
	@$(PY) tools/refine_video.py

test: setup
	@$(PY) -m pytest

clean-venv:
	rm -rf .venv
