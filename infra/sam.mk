# SAM CLI tooling, included from the top-level Makefile (`include infra/sam.mk`).
#
# The SAM CLI lives in its own venv (.tools/sam, gitignored), not in .venv: aws-sam-cli pins
# exact versions of click, boto3, aws-sam-translator and cfn-lint (<1.59), and installing it
# into the project venv downgrades boto3/botocore, pydantic and click under the project's feet
# (and the next `pip install -e .[dev]` moves them back, breaking sam).
PYTHON ?= python3
SAM_CLI_VERSION := 1.170.0
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)
# sam validate only needs a region; dummy credentials keep botocore from searching for real
# ones (nothing is sent to AWS). Telemetry off: builds must not phone home.
SAM_OFFLINE_ENV := AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
	SAM_CLI_TELEMETRY=0
STATELINT := $(firstword $(wildcard .venv/bin/statelint) statelint)
ASL_FILES = $(shell find infra -name '*.asl.json' | sort)
# What the definition looks like once DefinitionSubstitutions are applied (alias ARNs).
FAKE_ARN := arn:aws:lambda:us-east-1:123456789012:function:outdial-dev-\1:live

.PHONY: sam-cli validate sam-build

$(SAM_STAMP):
	rm -rf $(SAM_VENV)
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

sam-cli: $(SAM_STAMP)

# The functional tests skip the SAM checks only when the CLI is missing; make test installs it.
test: sam-cli

# $(STAMP) is the top Makefile's venv (statelint comes from its dev extras).
validate: sam-cli $(STAMP)
	$(SAM_OFFLINE_ENV) $(SAM) validate --template template.yaml
	$(SAM_OFFLINE_ENV) $(SAM) validate --lint --template template.yaml
# cfn-lint validates SAM templates without expanding DefinitionUri, so it never sees the ASL.
	$(STATELINT) --ignore=URI $(ASL_FILES)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for f in $(ASL_FILES); do \
	  sed -E 's/\$$\{([A-Za-z]+)FunctionArn\}/$(FAKE_ARN)/g' "$$f" > "$$tmp/$$(basename $$f)"; \
	done; \
	echo "$(STATELINT) <rendered> $(ASL_FILES)"; $(STATELINT) "$$tmp"/*.asl.json

# Builds every function and layer. Both runtime layers are always built (~10 s with a warm
# pip cache); the deploy-time Architecture parameter picks one, so one build serves both.
# (Excluding one would let a deploy with the other Architecture ship its bare source dir.)
sam-build: sam-cli
	$(SAM_OFFLINE_ENV) $(SAM) build
