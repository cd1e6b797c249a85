# The two commands (see README): `make run` and `make test`.
.PHONY: run test lint bench-floor

run:
	@scripts/bootstrap.sh
	@.venv/bin/python -m saleor_flash.devenv run

test:
	@scripts/bootstrap.sh
	@scripts/browser-deps.sh
	@.venv/bin/python -m saleor_flash.devenv test -- $(PYTEST_ARGS)

lint:
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

bench-floor:
	@scripts/bootstrap.sh
	@.venv/bin/python bench/graphql_floor.py
