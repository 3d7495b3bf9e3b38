"""The end-to-end proof in QEMU: a root made of real Debian tools and the board's
runtime files, a crash, the capture boot, and the dump read back from the disk.

assets: the Debian kernel and the host tools (with their shared libraries);
arches: the same for guests of another arch (Debian's packages for that arch);
cpio: the initramfs writer; disk: ext4 images made and read without mounting;
rootfs: the guest's root and initramfs; machine: the QEMU command line and run;
guest: one guest's disks and boots; inspect: the dumps read back from a disk;
scenarios: the cases (capture, rotation, faults) and their checks;
gold: a kernel built from linux-source with tinyconfig + the kdump fragment;
report: timings, vmcore sizes, the smallest crashkernel that captures.
"""
