# kmp-sim profile: a Kamstrup MULTICAL 403 heat meter, installed outdoors in
# frost (the return pipe reads below zero).  Format: see README.md.
# Units, mantissa lengths and exponents as real meters send them (the
# MULTICAL dumps in Tasmota issue #38: temperatures len 2 exp -2, power
# len 2 exp -1, flow len 2 exp 0, energy and volume len 4).
# Each register's comment gives its meaning and the exact decimal value a
# reader must report.

address 0x3f
type 0x0034 revision F1
serial 12345678

# The seven standard registers (ESPHome's kamstrup_kmp sensors)
# 0x003c heat energy E1 = 1183.040 GJ; mantissa 0x00120d40 holds 0x0d and
#        0x40, both sent stuffed (1b f2, 1b bf)
0x003c GJ    1183.040
# 0x0050 power = 2.4 kW (130 l/h * 15.65 K * 4.19 kJ/(kg K) = 2.37 kW)
0x0050 kW    2.4      len=2
# 0x0056 temperature 1 (flow) = 12.40 °C
0x0056 C     12.40    len=2
# 0x0057 temperature 2 (return) = -3.25 °C, negative: SiEx 0xc2
0x0057 C     -3.25    len=2
# 0x0059 temperature difference t1 - t2 = 15.65 K; mantissa 0x061d holds
#        0x06, sent stuffed (1b f9)
0x0059 K     15.65    len=2
# 0x004a flow V1 = 130 l/h
0x004a l/h   130      len=2
# 0x0044 volume V1 = 1875.56 m3
0x0044 m3    1875.56

# Extra registers, for custom-register reads
# 0x03ec hour counter (operating hours) = 43817 h
0x03ec h     43817
# 0x0063 info code = 0 (no info, no error)
0x0063 0     0
# 0x03e9 fabrication (serial) number = 12345678 (unit 51: a number)
0x03e9 51    12345678
# 0x03ea clock hh:mm:ss = 200243 (20:02:43)
0x03ea hh:mm:ss 200243
