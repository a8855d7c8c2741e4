# kmp-sim profile: a Kamstrup 382 three-phase electricity meter in a house
# with solar panels, drawing from the grid at the moment (power out 0).
# Format: see README.md.  Register ids from pyKamstrup's table for the 382.
# Energy len 4 exp -2 (high resolution exp -4), power len 4 exp -2,
# voltage len 2 exp 0, current len 2 exp -2.  All values unsigned, all
# exact in the driver's units (J, mW, mV, mA).
# Each register's comment gives its meaning and the exact decimal value a
# reader must report (and, for the channels, what the driver shows:
# tests/e2e/expected computes the same from this file).
# Type and revision are the simulator's, not a documented 382 type code.

address 0x3f
type 0x0382 revision A3
serial 5382001

# The driver's default channels for kam,382
# 0x0001 energy in (from the grid) = 12345.67 kWh = 44444412000 J
0x0001 kWh   12345.67
# 0x0002 energy out (to the grid) = 2345.89 kWh = 8445204000 J
0x0002 kWh   2345.89
# 0x03ff power in = 1.84 kW = 1840000 mW (the sum of the phases below)
0x03ff kW    1.84     len=4
# 0x0400 power out = 0 kW (sent as 0 x 10^-2 kW) = 0 mW
0x0400 kW    0.00     len=4
# 0x041e voltage L1 = 231 V = 231000 mV
0x041e V     231      len=2
# 0x041f voltage L2 = 229 V = 229000 mV
0x041f V     229      len=2
# 0x0420 voltage L3 = 233 V = 233000 mV
0x0420 V     233      len=2
# 0x0434 current L1 = 1.52 A = 1520 mA
0x0434 A     1.52     len=2
# 0x0435 current L2 = 3.07 A = 3070 mA
0x0435 A     3.07     len=2
# 0x0436 current L3 = 3.41 A = 3410 mA
0x0436 A     3.41     len=2
# 0x0438 power in L1 = 0.35 kW = 350000 mW
0x0438 kW    0.35     len=4
# 0x0439 power in L2 = 0.70 kW = 700000 mW
0x0439 kW    0.70     len=4
# 0x043a power in L3 = 0.79 kW = 790000 mW
0x043a kW    0.79     len=4

# Extra registers, for custom-register reads
# 0x000d energy in, high resolution = 12345.6789 kWh
0x000d kWh   12345.6789
# 0x000e energy out, high resolution = 2345.8912 kWh
0x000e kWh   2345.8912
