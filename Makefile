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
# Optional: a Buildroot checkout; the demo then writes a complete defconfig
# (the base merged with the kdump settings) instead of the kdump settings only.
BUILDROOT_DIR ?=
DEMO_ABS = $(abspath $(DEMO_OUT))

# Debian 12 packages the tests and the demo use (real parts, not mocks).
APT_PACKAGES := python3-venv make gcc libc6-dev flex bison bc libelf-dev libssl-dev \
	xz-utils cpio e2fsprogs dpkg-dev \
	qemu-system-x86 qemu-system-arm qemu-system-misc \
	busybox-static kexec-tools makedumpfile openssh-client \
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu \
	shellcheck grub-common u-boot-tools mmdebstrap \
	linux-source-6.1 linux-source-6.12

.PHONY: all deps venv demo test lint docs bench floor e2e hostile-sweep verify-all verify-no-rtc verify-ssh buildroot-check yocto-check-layer fidelity sweep-arches clean

all: test

# The installed packages are kept in a variable, not a file in the tree: two makes
# may run at once (make verify-all beside make floor) and remove each other's file.
deps:
	@have=" $$(dpkg-query -W -f='$${Package} $${db:Status-Status}\n' $(APT_PACKAGES) 2>/dev/null \
		| awk '$$2 == "installed" { printf "%s ", $$1 }')"; \
	missing=$$(for p in $(APT_PACKAGES); do \
		case "$$have" in *" $$p "*) ;; *) printf '%s ' "$$p" ;; esac; done); \
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

# The main job on the default board, step by step; each step that passes adds
# a line to the summary printed at the end (a failing step stops the demo).
demo: deps venv
	@mkdir -p $(DEMO_OUT) && : > $(DEMO_OUT)/summary.txt
	@echo "== 1/7 validate the board: $(BOARD)"
	$(KDUMPLAYER) validate $(BOARD)
	@echo "validated $(BOARD)" >> $(DEMO_OUT)/summary.txt
	@echo "== 2/7 write the kdump kernel fragment: $(DEMO_OUT)/kdump.cfg"
	$(KDUMPLAYER) fragment $(BOARD) -o $(DEMO_OUT)/kdump.cfg
	@echo "wrote the fragment $(DEMO_ABS)/kdump.cfg ($$(grep -c '^CONFIG_' $(DEMO_OUT)/kdump.cfg) options)" >> $(DEMO_OUT)/summary.txt
	@echo "== 3/7 check it against the real kernel Kconfig (the board's kernel source)"
	$(KDUMPLAYER) check $(BOARD)
	@echo "checked every kdump requirement against the kernel's own Kconfig: all met" >> $(DEMO_OUT)/summary.txt
	@echo "== 4/7 generate the Buildroot BR2_EXTERNAL tree: $(DEMO_OUT)/buildroot"
	$(KDUMPLAYER) generate buildroot $(BOARD) -o $(DEMO_OUT)/buildroot \
		$(if $(BUILDROOT_DIR),--buildroot-dir $(abspath $(BUILDROOT_DIR)))
	@echo "generated the Buildroot tree $(DEMO_ABS)/buildroot" >> $(DEMO_OUT)/summary.txt
	@# The next steps, with absolute paths: they run in the Buildroot (or Yocto build) directory.
	@tree=$(DEMO_ABS)/buildroot; defconfig=$$(cd "$$tree/configs" && ls *_kdump_defconfig); \
	if [ -n "$(BUILDROOT_DIR)" ]; then \
		echo "Buildroot (a complete defconfig, merged over the base in $(abspath $(BUILDROOT_DIR))):"; \
		echo "    cd $(abspath $(BUILDROOT_DIR))"; \
		echo "    make BR2_EXTERNAL=$$tree $$defconfig && make"; \
	else \
		base=$$($(KDUMPLAYER) validate --format json $(BOARD) | $(PY) -c \
			'import json, sys; print(json.load(sys.stdin)["buildroot"]["defconfig"] or "")'); \
		board=$$(cd "$$tree/board" && ls); \
		echo "Buildroot, from your Buildroot directory: the standalone defconfig (it configures"; \
		echo "the kernel and toolchain itself; 'make demo BUILDROOT_DIR=DIR' merges over the base):"; \
		echo "    make BR2_EXTERNAL=$$tree $$defconfig && make"; \
		echo "or the kdump settings over your own base:"; \
		echo "    make BR2_EXTERNAL=$$tree $${base:-YOUR_BASE_defconfig}"; \
		echo "    support/kconfig/merge_config.sh -m .config $$tree/board/$$board/kdump.defconfig"; \
		echo "    make olddefconfig && make"; \
	fi > $(DEMO_OUT)/next-steps.txt
	@echo "== 5/7 generate the Yocto layer: $(DEMO_OUT)/yocto"
	$(KDUMPLAYER) generate yocto $(BOARD) -o $(DEMO_OUT)/yocto
	@echo "generated the Yocto layer $(DEMO_ABS)/yocto" >> $(DEMO_OUT)/summary.txt
	@{ echo "Yocto, from your build directory (after 'source oe-init-build-env'):"; \
		echo "    bitbake-layers add-layer $(DEMO_ABS)/yocto"; \
		echo "    echo 'DISTRO_FEATURES:append = \" kdump\"' >> conf/local.conf"; \
		echo "    bitbake core-image-minimal"; \
	} >> $(DEMO_OUT)/next-steps.txt
	@echo "== 6/7 prove the hook in QEMU: boot, crash, capture, read the dump back"
	$(KDUMPLAYER) verify $(BOARD) --workdir $(DEMO_OUT)/verify
	@echo "proved in QEMU: the crash produced a dump (vmcore signature, kernel log, summary ok)" >> $(DEMO_OUT)/summary.txt
	@echo "== 7/7 crash the gold kernel (tinyconfig + the fragment, DEBUG_INFO) and analyze its dump"
	$(KDUMPLAYER) verify $(BOARD) --kernel gold --workdir $(DEMO_OUT)/gold
	@echo "analyzed the gold kernel's dump: the crashed task's stack names sysrq_handle_crash (again: kdumplayer analyze $$(ls -d $(DEMO_OUT)/gold/capture/dumps/*/ | tail -n 1))" >> $(DEMO_OUT)/summary.txt
	@echo
	@echo "== kdumplayer demo: what it proved for $(BOARD)"
	@sed 's/^/  - /' $(DEMO_OUT)/summary.txt
	@echo "== next steps"
	@sed 's/^/  /' $(DEMO_OUT)/next-steps.txt

# The style checks run first: a change that breaks them fails CI like a test.
test: deps venv lint
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check kdumplayer tests benchmarks
	$(VENV)/bin/ruff format --check kdumplayer tests benchmarks
	$(VENV)/bin/mypy kdumplayer
	$(PY) -m kdumplayer.docs_gen --check

# The generated parts of docs/ (the board key table from the schema).
docs: venv
	$(PY) -m kdumplayer.docs_gen

bench: deps venv
	@for script in benchmarks/bench_*.py; do \
		echo "== $$script"; $(PY) $$script || exit 1; \
	done

# The memory floor sweep: bisect the smallest crashkernel= that captures per arch and
# RAM in QEMU (one at a time, niced) and rewrite kconfig-fragments/crashkernel-floor.yaml.
# Hours under TCG; FLOOR_ARGS="--only x86_64:1G" limits it.
floor: deps venv
	nice -n 10 $(PY) benchmarks/bench_floor.py --sweep $(FLOOR_ARGS)

e2e: deps venv
	$(PY) -m pytest -m slow -v

# Every Debian kernel of the proven-combinations table booted again (long: one
# QEMU capture per row; docs/architectures.md).
sweep-arches: deps venv
	$(PY) -m pytest -v tests/arches/sweep_generations.py

# A longer sweep of hostile board strings than `make test` runs (16 a key there).
HOSTILE_EXAMPLES ?= 200
hostile-sweep: deps venv
	KDUMPLAYER_HOSTILE_EXAMPLES=$(HOSTILE_EXAMPLES) $(PY) -m pytest tests/test_hostile_strings.py

# The ssh dump target's four scenarios on x86_64 (Debian's kernel) and on arm64 (a
# gold kernel with kernel-net.cfg: one more kernel build); `make test` runs the
# x86_64 ones (docs/network-targets.md).
SSH_SCENARIOS := -s ssh-capture -s ssh-server-down -s ssh-wrong-host-key -s ssh-cut
verify-ssh: deps venv
	$(KDUMPLAYER) verify $(SSH_SCENARIOS) tests/data/network/ssh-board.yaml
	$(KDUMPLAYER) verify --kernel gold $(SSH_SCENARIOS) tests/data/network/ssh-board-arm64.yaml

# The long QEMU sweep (1 to 3 hours under TCG on 2 idle cores): `verify --all`
# (every scenario, the faults included, no-rtc with 12 crashes) under BusyBox init
# and under each Debian-root init system, one at a time; every init runs even when
# one fails. Each init's output: out/verify-all/INIT.txt; exit 1 if any failed.
VERIFY_INITS ?= busybox sysv openrc systemd
RTC_CRASHES ?= 12
verify-all: deps venv
	@mkdir -p out/verify-all; failed=; \
	for init in $(VERIFY_INITS); do \
		echo "== verify --all --rtc-crashes $(RTC_CRASHES) --init $$init $(BOARD)"; \
		nice $(KDUMPLAYER) verify --all --rtc-crashes $(RTC_CRASHES) --init $$init \
			--workdir out/verify-all/$$init $(BOARD) > out/verify-all/$$init.txt; \
		rc=$$?; sed -n '/^verify summary:/,$$p' out/verify-all/$$init.txt; \
		[ "$$rc" -eq 0 ] || failed="$$failed $$init"; \
	done; \
	[ -z "$$failed" ] || { echo "verify-all: failed under:$$failed (out/verify-all/)"; exit 1; }

# no-rtc alone at its full length (keep: 3 over 12 crashes, ~10 min under TCG):
# exactly the 3 newest dumps by capture order remain. CI runs it with 4 crashes.
verify-no-rtc: deps venv
	nice $(KDUMPLAYER) verify -s no-rtc --rtc-crashes $(RTC_CRASHES) $(BOARD)

# kdumplayer against the kernel's own C kconfig on every defconfig, config target,
# tinyconfig and allnoconfig of x86_64, i386, arm64, arm, riscv64, for 6.1, 6.12 and
# Debian's newest series; long (the C side is ~4 s a case), so not part of `make test`.
# JSON lines in out/fidelity.jsonl, a summary table on stdout, exit 1 on any difference.
fidelity: deps venv
	nice $(PY) benchmarks/fidelity.py --output out/fidelity.jsonl

clean:
	rm -rf $(VENV) out build .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Round trip of every example board's generated defconfig through a real
# Buildroot checkout (not fetched here; not part of `make test`): standalone,
# merged at generation and merged over the base by the README's commands.
buildroot-check: venv
	@test -n "$(BUILDROOT)" || { echo "usage: make buildroot-check BUILDROOT=DIR"; exit 2; }
	$(PY) -m kdumplayer.generate.br_roundtrip $(BUILDROOT) $(BOARDS)

# yocto-check-layer and `bitbake-layers add-layer`, offline, for every example
# board's generated layer on oe-core alone (checkouts not fetched here; not part
# of `make test`). YOCTO_WORK keeps the build directory and the logs.
YOCTO_WORK ?= out/yocto-check-layer
yocto-check-layer: venv
	@test -n "$(OECORE)" -a -n "$(BITBAKE)" || \
		{ echo "usage: make yocto-check-layer OECORE=DIR BITBAKE=DIR"; exit 2; }
	sh ci/yocto-check-layer.sh $(OECORE) $(BITBAKE) $(YOCTO_WORK) $(BOARDS)

