//go:build lab

package emotion

import (
	"math"
	"os"
	"strconv"
)

// labCoarsen rounds m's sparse int8 weights to LAB_QBITS bits (unset: m
// is left as it is), to measure what the weights' precision is worth:
// each bit less doubles the rounding step.
func labCoarsen(m *Model) {
	bits, _ := strconv.Atoi(os.Getenv("LAB_QBITS"))
	if bits <= 0 || bits >= 8 || m == nil {
		return
	}
	step := float64(int(1) << (8 - bits))
	for i, w := range m.packed {
		var out uint64
		for j := 0; j < 8; j++ {
			v := float64(int8(uint8(w>>(8*j)) ^ 0x80))
			v = math.Max(-128, math.Min(127, math.Round(v/step)*step))
			out |= uint64(uint8(int8(v))^0x80) << (8 * j)
		}
		m.packed[i] = out
	}
}
