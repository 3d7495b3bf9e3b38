# i.MX style: bootargs are set by a variable that is itself a script
setenv mmcroot "/dev/mmcblk1p2 rootwait rw"
setenv mmcargs 'setenv bootargs console=${console},${baudrate} root=${mmcroot}'
run mmcargs
load mmc 1:1 ${loadaddr} zImage
load mmc 1:1 ${fdt_addr} ${fdtfile}
bootz ${loadaddr} - ${fdt_addr}
