# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Configurations that Kconfig accepts but that cannot build, and a .config
# made for another architecture: stop with the reason instead of failing
# somewhere in the compile.

ifneq ($(wildcard $(KCONFIG_CONFIG)),)

config-arch-x86		:= CONFIG_ARCH_X86
config-arch-arm64	:= CONFIG_ARCH_ARM64
config-arch-riscv	:= CONFIG_ARCH_RISCV

ifneq ($($(config-arch-$(ARCH))),y)
$(error $(KCONFIG_CONFIG) was not made for ARCH=$(ARCH); run 'make ARCH=$(ARCH) olddefconfig')
endif

ifeq ($(CONFIG_BACKEND_NOSYNC)$(CONFIG_BACKEND_BREAKPOINT)$(CONFIG_BACKEND_STOP_MACHINE),)
$(error $(KCONFIG_CONFIG): no poke backend is enabled, so nothing could ever be patched; enable one with 'make menuconfig')
endif

ifeq ($(CONFIG_TEXT_WRITER_PROC_MEM)$(CONFIG_BACKEND_NOSYNC),yy)
$(error $(KCONFIG_CONFIG): nosync needs an aligned store of its own, which the /proc/self/mem writer cannot give; choose another text writer or disable nosync)
endif

endif
