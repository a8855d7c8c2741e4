# kmp-sim profile for the end-to-end check "a meter that changes resolution
# between two buffered scans" (tests/e2e/guest/checks): the meter of
# userspace/kmp-sim/multical403.profile with the energy of the issue's
# example, 9876543 x 10^-2 kWh.  Run with kmp-sim --switch-exponent: every
# other GetRegister reply sends each value with one more digit (mantissa x 10,
# exponent - 1: 98765430 x 10^-3 kWh, 240 x 10^-2 kW, 12400 x 10^-3 C, ...);
# the driver's channels must read the same numbers from both.

address 0x3f
type 0x0034 revision F1
serial 12345678

# 98765.43 kWh = 355555548000 J: mantissa 9876543, exponent -2
0x003c kWh   98765.43
# 2.4 kW: 24 x 10^-1 kW
0x0050 kW    2.4      len=2
# 12.40 °C: 1240 x 10^-2
0x0056 C     12.40    len=2
# -3.25 °C: -325 x 10^-2
0x0057 C     -3.25    len=2
# 15.65 K: 1565 x 10^-2
0x0059 K     15.65    len=2
# 130 l/h: 130 x 10^0 l/h
0x004a l/h   130      len=2
# 1875.56 m3: 187556 x 10^-2 m3
0x0044 m3    1875.56
