"""Put crashkernel= into real bootloader configurations: one module per format, one protocol.

Library API (what the Buildroot and Yocto generators call)::

    from kdumplayer.cmdline import set_crashkernel, remove_crashkernel, get_crashkernel, detect_format

    new_text = set_crashkernel(text, "256M", fmt=None, filename="boot/grub/grub.cfg", entry=None)
    fmt = detect_format("extlinux.conf", text)          # -> "extlinux"
    found = get_crashkernel(text, fmt, filename)        # -> [(entry, line, "crashkernel=256M"), ...]
    old_text = remove_crashkernel(new_text, fmt, filename)

- ``value`` is what follows ``crashkernel=`` (``256M``, ``1G-4G:192M,4G-:256M@16M``), or
  several such values separated by spaces (``256M,high 128M,low``); a ``crashkernel=``
  prefix is accepted. It is parsed first (kdumplayer.crashkernel), so a bad value raises
  UserError before any text is touched.
- ``fmt`` is one of FORMATS: grub (grub.cfg), grub-default (/etc/default/grub),
  grub-legacy (menu.lst, grub.conf), extlinux (extlinux.conf, syslinux.cfg), u-boot
  (boot.cmd, boot.txt), uenv (uEnv.txt), rpi (cmdline.txt), systemd-boot (loader
  entries), qemu (a start script or readme with ``-append "..."``). The names equal the
  board description's ``bootloader.type`` where they match. None: detect_format().
- ``entry`` limits the change to one menu entry or label (grub, grub-legacy, extlinux),
  or one variable (grub-default: GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT;
  uenv: bootargs, optargs, ...).
- The patch is idempotent (an existing crashkernel= is replaced, never duplicated;
  setting the same value twice returns the text unchanged) and touches only the
  command-line words: comments, blank lines, CRLF line endings, other options and their
  order are kept byte for byte. A file with no kernel command line to patch raises
  UserError naming the file (and line).
- Everything here is a pure function of its inputs; reading and the atomic write are in
  kdumplayer.cli.cmdline.
"""
