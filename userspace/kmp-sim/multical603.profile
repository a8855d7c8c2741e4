# kmp-sim profile: a Kamstrup MULTICAL 603 heat meter in a district heating
# substation, with the registers the 603 has beyond the 403: a third
# temperature, two pressures, cooling energy, a second volume, and the info
# code set.  Format: see README.md.  Units, mantissa lengths and exponents
# as in multical403.profile (temperatures len 2 exp -2, power len 2 exp -1,
# flow len 2 exp 0, energy and volume len 4); pressures len 2 exp -1.
# Each register's comment gives its meaning and the exact decimal value a
# reader must report (and, for the channels, what the driver shows:
# tests/e2e/expected computes the same from this file).
# Type and revision are the simulator's, not a documented 603 type code.

address 0x3f
type 0x0035 revision B2
serial 71234567

# The seven standard registers (ESPHome's kamstrup_kmp sensors)
# 0x003c heat energy E1 = 2547.318 GJ = 2547318000000 J
0x003c GJ    2547.318
# 0x0050 power = 11.8 kW = 11800000 mW (520 l/h * 19.5 K * 4.19 kJ/(kg K))
0x0050 kW    11.8     len=2
# 0x0056 temperature 1 (flow) = 70.25 °C = 70250 m°C
0x0056 C     70.25    len=2
# 0x0057 temperature 2 (return) = 50.75 °C = 50750 m°C
0x0057 C     50.75    len=2
# 0x0059 temperature difference t1 - t2 = 19.50 K = 19500 m°C
0x0059 K     19.50    len=2
# 0x004a flow V1 = 520 l/h
0x004a l/h   520      len=2
# 0x0044 volume V1 = 38412.77 m3 = 38412770 l (raw 38412770000 ml)
0x0044 m3    38412.77

# The 603's other channels (devicetree channel@<reg> nodes)
# 0x0058 temperature 3 = 8.40 °C = 8400 m°C
0x0058 C     8.40     len=2
# 0x005b pressure 1 (flow pipe) = 6.2 bar = 620 kPa (raw 62000 x 0.01 kPa)
0x005b bar   6.2      len=2
# 0x005c pressure 2 (return pipe) = 5.8 bar = 580 kPa (raw 58000)
0x005c bar   5.8      len=2
# 0x003f cooling energy E3 = 12.345 GJ = 12345000000 J
0x003f GJ    12.345
# 0x0045 volume V2 = 4103.52 m3 = 4103520 l (raw 4103520000 ml)
0x0045 m3    4103.52

# Extra registers, for custom-register reads
# 0x03ec hour counter (operating hours) = 61530 h
0x03ec h     61530
# 0x0063 info code = 16 (0x0010: one info bit set; the driver's info_code
#        attribute prints 0x0010)
0x0063 0     16
# 0x010a heat energy E1 in high resolution = 707588.50 kWh (the 2547.318 GJ
#        above, with the digits the GJ register leaves out: 2547.3186 GJ)
0x010a kWh   707588.50
# 0x03e9 fabrication (serial) number = 71234567 (unit 51: a number)
0x03e9 51    71234567
