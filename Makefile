# Spectro: `make run` opens the editor on the demo recording, `make test` runs every check CI runs.
# Both install the Debian/Ubuntu packages they need when missing (with sudo when not root).

SHELL := /bin/bash
CARGO ?= cargo

# cpal talks to ALSA.
BUILD_PACKAGES := libasound2-dev pkg-config
# The window needs an X or Wayland display with OpenGL; tests run it under Xvfb with Mesa's
# software renderer. The speech the tests use is committed (tests/data/arctic_a0007.wav).
RUN_PACKAGES := libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxi6 libxrandr2
# tests/suite/formats.rs checks exports with libsndfile and Python's wave module.
TEST_PACKAGES := xvfb xauth python3 python3-soundfile

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO := assets/demo.wav

.PHONY: all build run test check-packages packages test-packages bench demo clean

all: build

# Installs whichever of the given packages are missing. Elsewhere than Debian/Ubuntu, says what
# to install instead of failing obscurely.
define ensure_packages
	@missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	  else \
	    echo "Please install the equivalents of:$$missing"; \
	    echo "  Fedora: sudo dnf install alsa-lib-devel pkgconf mesa-dri-drivers libxkbcommon-x11 xorg-x11-server-Xvfb"; \
	    echo "  Arch:   sudo pacman -S alsa-lib pkgconf mesa libxkbcommon-x11 xorg-server-xvfb"; \
	    exit 1; \
	  fi; \
	fi
endef

packages:
	$(call ensure_packages,$(BUILD_PACKAGES) $(RUN_PACKAGES))

test-packages: packages
	$(call ensure_packages,$(TEST_PACKAGES))

build: packages
	$(CARGO) build --release

# The demo is committed; this regenerates it if it is missing.
$(DEMO):
	$(CARGO) run --release --quiet -- make-demo $(DEMO)

demo: $(DEMO)

run: build $(DEMO)
	$(CARGO) run --release --quiet -- $(DEMO)

test: test-packages
	$(CARGO) fmt --check
	# No incremental state for a one-off check (hundreds of MB on a fresh clone).
	CARGO_INCREMENTAL=0 $(CARGO) clippy --all-targets --locked -- -D warnings
	# -noreset: by default Xvfb resets when its last client leaves, and a window test starting
	# during that reset cannot connect (seen once under load in window_smoke).
	xvfb-run -a -s "-screen 0 1600x1000x24 -noreset" $(CARGO) test --locked

bench: packages
	$(CARGO) bench --bench stft --bench apply --bench phase --bench images --bench denoise

clean:
	$(CARGO) clean
