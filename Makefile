# cdpipe - build, test, install.  See README.md and INSTALL.
#
#   make            build every program into build/bin
#   make check      install missing packages, build, run the suite twice
#                   (normal build and AddressSanitizer+UBSan build)
#   make demo       install missing packages, build, run examples/demo.sh
#   make bench      compare with Miller and jq (bench/run.sh)
#   make fuzz       build the libFuzzer harnesses (clang) and run each one
#                   FUZZ_S seconds on a copy of its seed corpus
#   make fuzz-long  the same for FUZZ_RUNS (10 million) executions each
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
COMPDIR	?= $(PREFIX)/share/bash-completion/completions
BUILD	?= build
CC	?= cc
CXX	?= c++
# assert() states invariants (record layer, key map, union-find, loaders):
# on in the sanitizer and fuzz builds, compiled out of the optimised one.
CFLAGS	?= -O2 -g -DNDEBUG
CXXFLAGS ?= -O2 -g -DNDEBUG
WARN	 = -std=c17 -Wall -Wextra -Wpedantic -Werror
CXXWARN	 = -std=c++17 -Wall -Wextra -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icommon
# double-conversion (C++) gives cdp_fmt_double() its shortest digits, so
# every program loads the C++ runtime.
LDLIBS	 = -pthread -lcsv -ljansson -lpcre2-8 -lutf8proc -lxxhash -lcrypto \
	   -lgsl -lgslcblas -ldouble-conversion -lstdc++ -lm

# cdp-ingest alone reads compressed input (in a thread) and checks phone
# numbers with libphonenumber.
INGEST_LIBS = -lz -lzstd -pthread -lphonenumber -lstdc++

ifeq ($(SAN),1)
CFLAGS	 = -O1 -g -fno-omit-frame-pointer \
	   -fsanitize=address,undefined -fno-sanitize-recover=all
CXXFLAGS = $(CFLAGS)
LDFLAGS	+= -fsanitize=address,undefined
endif

# Debian packages: build, test and bench dependencies.
DEB_PKGS = build-essential libcsv-dev libjansson-dev libpcre2-dev \
	   libutf8proc-dev libxxhash-dev libssl-dev libgsl-dev iso-codes \
	   zlib1g-dev libzstd-dev libphonenumber-dev libdouble-conversion-dev \
	   tzdata \
	   bats bats-support bats-assert bats-file miller jq groff-base \
	   man-db python3 python3-mpmath clang time chromium nodejs npm \
	   fonts-dejavu-core datamash parallel libclang-rt-14-dev strace \
	   openssh-server openssh-client rsync

PROGS	 = $(notdir $(wildcard cmd/*))
BINS	 = $(PROGS:%=$(BUILD)/bin/%)
LIB_SRC	 = $(wildcard common/*.c)
LIB_CXX	 = $(wildcard common/*.cc)
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(LIB_CXX:%.cc=$(BUILD)/obj/%.o)
LIB	 = $(BUILD)/libcdp.a
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCHES	 = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
MANS	 = $(wildcard man/*.1 man/*.7)

all: $(BINS) $(UNITS) $(BENCHES)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXWARN) $(CXXFLAGS) -MMD -MP -c -o $@ $<

# Objects reached only through pattern rules would be deleted as
# intermediates, and a second make would then rebuild every program.
.SECONDARY:

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# A program is every .c file in its cmd/ folder (objects named through a
# function: a literal % here would be taken for the rule's stem).
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call objs_of,$$(wildcard cmd/$$*/*.c)) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/cdp-ingest: LDLIBS += $(INGEST_LIBS)

# A program's objects but main.o, as an archive, for the unit drivers
# and fuzz harnesses named after it (test_score_models, fuzz_segment_rules
# link cdp-score's and cdp-segment's parts): they link the parts they use.
parts_of = $(filter-out cmd/$(1)/main.c,$(wildcard cmd/$(1)/*.c))
prog_of	 = cdp-$(firstword $(subst _, ,$(1)))
has_parts = $(if $(call parts_of,$(call prog_of,$(1))),$(call prog_of,$(1)).a)

$(BUILD)/parts/%.a: $$(call objs_of,$$(call parts_of,$$*))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/unit/test_%: $(BUILD)/obj/tests/unit/test_%.o \
    $$(addprefix $(BUILD)/parts/,$$(call has_parts,$$*)) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) and common/ compiled by clang
# with coverage, ASan and UBSan, apart from the gcc objects.
FUZZ_S	?= 30
FUZZ_CC	?= clang
# Small line-reader blocks (common/lines.c): refills and growth on short
# inputs, and no fresh megabyte for ASan to poison on every open.
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer \
	   -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -DCDP_LINES_BLOCK=4096 -DCDP_MAP_TAIL=128
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS	 = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CXX ?= clang++
# common/dtoa.cc: cdp_fmt_double() needs it in every harness (phonelib.cc
# only in cdp-ingest's, through its parts).
FUZZ_OBJ = $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/common/dtoa.o

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) \
	  -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(CPPFLAGS) $(CXXWARN) $(FUZZ_CFLAGS) \
	  -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

fuzz_objs_of = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))
$(BUILD)/fuzz/parts/%.a: $$(call fuzz_objs_of,$$(call parts_of,$$*))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o \
    $$(addprefix $(BUILD)/fuzz/parts/,$$(call has_parts,$$*)) $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) \
	    $(if $(findstring fuzz_ingest,$@),$(INGEST_LIBS))

.PRECIOUS: $(BUILD)/fuzz/obj/%.o
# Objects made through the pattern rules are kept, so that a second make
# rebuilds only what changed.
.SECONDARY:

# cdp-ingest's readers and decoders in small blocks, so rows and
# compressed blocks cross block boundaries.
$(BUILD)/fuzz/obj/cmd/cdp-ingest/%.o: CPPFLAGS += -DCSVIN_BLOCK='((size_t)61)' \
    -DJSONIN_BLOCK='((size_t)61)' -DDECODE_BLOCK='((size_t)61)'

fuzz: $(FUZZERS)
	@sh tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_S) $(FUZZERS)

# The harnesses alone: make check builds them, and tests/fuzz.bats runs
# each once over its seeds and the inputs that once failed.
fuzzers: $(FUZZERS)

# Every harness for FUZZ_RUNS executions (hours on two cores: see
# docs/RELIABILITY.md); FUZZERS="..." picks some.
FUZZ_RUNS ?= 10000000
fuzz-long: $(FUZZERS)
	@sh tests/fuzz/run.sh $(BUILD)/fuzz runs:$(FUZZ_RUNS) $(FUZZERS)

-include $(shell find $(BUILD)/obj $(BUILD)/fuzz/obj -name '*.d' 2>/dev/null)

# Install what is missing, as root or through sudo, with no terminal.
deps:
	@provided=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Provides}\n' \
	  2>/dev/null | sed -n 's/^ii *//p' | tr ',\n' '  '); \
	missing=; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || \
	    echo " $$provided " | grep -q "[[:space:]]$$p[[:space:]]" || \
	    missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing </dev/null; \
	fi

asan:
	$(MAKE) BUILD=$(BUILD)/asan SAN=1 all

# Warnings are errors with clang too; this build is compiled, not tested.
clang:
	$(MAKE) BUILD=$(BUILD)/clang CC=clang CXX=clang++ all

check: deps
	$(MAKE) all
	$(MAKE) clang
	$(MAKE) asan
	$(MAKE) fuzzers
	@sh tests/run.sh $(BUILD) $(BUILD)/asan

demo: deps all
	@bash examples/demo.sh $(BUILD)/bin

bench: deps all
	@sh bench/run.sh $(BUILD)

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in $(MANS); do \
	  s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	install -d $(DESTDIR)$(COMPDIR)
	install -m 644 completions/cdpipe.bash $(DESTDIR)$(COMPDIR)/cdp
	for p in $(filter-out cdp,$(PROGS)); do \
	  ln -sf cdp $(DESTDIR)$(COMPDIR)/$$p; done

clean:
	rm -rf $(BUILD)

.PHONY: all asan clang check deps demo bench fuzz fuzzers fuzz-long install \
	clean
