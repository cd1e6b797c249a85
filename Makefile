# The two commands (see README): `make run` and `make test`.
.PHONY: run test test-fast lint bench-floor

run:
	@scripts/bootstrap.sh
	@.venv/bin/python -m saleor_flash.devenv run

test:
	@scripts/bootstrap.sh
	@scripts/browser-deps.sh
	@.venv/bin/python -m saleor_flash.devenv test -- $(PYTEST_ARGS)

# The tests that start no server process and no browser (README "Tests").
test-fast:
	@scripts/bootstrap.sh
	@.venv/bin/python -m saleor_flash.devenv test -- -m "not server and not browser" $(PYTEST_ARGS)

lint:
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

bench-floor:
	@scripts/bootstrap.sh
	@.venv/bin/python bench/graphql_floor.py
