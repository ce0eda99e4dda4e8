# Thin wrapper over CMake presets. The two commands a newcomer needs: `make run` and `make test`.
PRESET ?= default
BUILD_DIR := build/$(PRESET)

.PHONY: deps configure build test test-asan test-tsan test-packages run package bench fuzz clean

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET)

test: build
	ctest --preset $(PRESET)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (build/debug) and under
# ThreadSanitizer (build/tsan); the first report ends its process, so it fails the test.
test-asan:
	@$(MAKE) --no-print-directory test PRESET=debug

test-tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

run: build
	@scripts/dev-setup.sh $(BUILD_DIR)
	@scripts/run-dev.sh $(BUILD_DIR)

# The .deb packages installed on this machine, a plugin built and served from them, then purged
# (root only: tests/scripts/installed-packages.sh says what it checks).
test-packages: build
	tests/scripts/installed-packages.sh $(BUILD_DIR)

package: build
	cd $(BUILD_DIR) && cpack -G "DEB;RPM"
	@ls -1 $(BUILD_DIR)/*.deb $(BUILD_DIR)/*.rpm

bench: build
	$(BUILD_DIR)/bench/store_bench
	$(BUILD_DIR)/bench/webhook_ingest
	$(BUILD_DIR)/bench/outbound_bench
	$(BUILD_DIR)/bench/flows_endpoint
	$(BUILD_DIR)/bench/conversation_bench
	$(BUILD_DIR)/bench/media_bench

# Every libFuzzer target (fuzz/<name>_fuzzer, seeds in fuzz/corpus/<name>/), with ASan/UBSan, for
# FUZZ_SECONDS each (CI runs them briefly). A target with a seed folder runs; a crash stops here.
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
	@cmake --build build/fuzz
	@for seeds in fuzz/corpus/*/; do \
	  name=$$(basename $$seeds); \
	  mkdir -p build/fuzz/corpus/$$name && cp -n $$seeds* build/fuzz/corpus/$$name/ && \
	  echo "fuzzing $$name for $(FUZZ_SECONDS) s" && \
	  build/fuzz/$${name}_fuzzer -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	    -print_final_stats=1 build/fuzz/corpus/$$name || exit 1; \
	done

clean:
	rm -rf build
