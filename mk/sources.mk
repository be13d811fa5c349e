# mk/sources.mk: the one list of pginit's sources, shared by the glibc build (Makefile)
# and the static build (mk/static.mk). src/*.c are the modules, src/cmd/*.c the commands,
# src/formats/*.c the migration formats; a new file in any of them is picked up here.
PGINIT_SRCS := $(wildcard src/*.c src/cmd/*.c src/formats/*.c)
PGINIT_HDRS := $(wildcard src/*.h src/cmd/*.h src/formats/*.h)
