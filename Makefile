# kdumplayer: the two commands a newcomer runs are `make demo` and `make test`.
# Each installs what it needs: Debian packages (when root; otherwise it prints
# the apt-get line to run), a virtual environment in .venv, pip packages.

SHELL := /bin/sh
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KDUMPLAYER := $(VENV)/bin/kdumplayer
BOARD ?= board-configs/qemu-x86_64.yaml
DEMO_OUT ?= out/demo

# Debian 12 packages the tests and the demo use (real parts, not mocks).
APT_PACKAGES := python3-venv make gcc libc6-dev flex bison bc libelf-dev libssl-dev \
	xz-utils cpio e2fsprogs dpkg-dev \
	qemu-system-x86 qemu-system-arm qemu-system-misc \
	busybox-static kexec-tools makedumpfile \
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu \
	shellcheck grub-common u-boot-tools \
	linux-source-6.1 linux-source-6.12

.PHONY: all deps venv demo test lint bench e2e clean

all: test

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Status}\n' $(APT_PACKAGES) 2>/dev/null \
		| awk '$$2 == "installed" { print $$1 }' | sort > .deps.have; \
		for p in $(APT_PACKAGES); do grep -qx "$$p" .deps.have || printf '%s ' "$$p"; done); \
	rm -f .deps.have; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian packages: $$missing"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "missing Debian packages; run:"; \
			echo "  sudo apt-get install --no-install-recommends $$missing"; \
			exit 1; \
		fi; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

demo: deps venv
	@echo "== 1. validate the default board: $(BOARD)"
	$(KDUMPLAYER) validate $(BOARD)
	@echo "== the Yocto layer for the default board: $(DEMO_OUT)/yocto (add it with bitbake-layers add-layer)"
	$(KDUMPLAYER) generate yocto $(BOARD) -o $(DEMO_OUT)/yocto
	@echo "== the Buildroot BR2_EXTERNAL tree for the default board: $(DEMO_OUT)/buildroot (see its README.md)"
	$(KDUMPLAYER) generate buildroot $(BOARD) -o $(DEMO_OUT)/buildroot
	@echo "== the proof: boot the hook in QEMU, crash, capture, read the dump back"
	$(KDUMPLAYER) verify $(BOARD) --workdir $(DEMO_OUT)/verify

test: deps venv
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check kdumplayer tests benchmarks
	$(VENV)/bin/mypy kdumplayer

bench: deps venv
	@for script in benchmarks/bench_*.py; do \
		echo "== $$script"; $(PY) $$script || exit 1; \
	done

e2e: deps venv
	$(PY) -m pytest -m slow -v

clean:
	rm -rf $(VENV) out build .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
