package app

import (
	"math"
	"strconv"
	"time"
)

// These formatters append to a byte slice so panels can build their lines
// without fmt; every value shown is rounded the way a training log rounds it.

// appendSI appends v with a k/M/B/T suffix and prec decimals: 8.03B.
func appendSI(dst []byte, v float64, prec int) []byte {
	units := [...]string{"", "k", "M", "B", "T", "P"}
	i := 0
	for math.Abs(v) >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		prec = 0
	}
	dst = strconv.AppendFloat(dst, v, 'f', prec, 64)
	return append(dst, units[i]...)
}

// appendFixed appends v with prec decimals, or "n/a" when v is not finite.
func appendFixed(dst []byte, v float64, prec int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "n/a"...)
	}
	return strconv.AppendFloat(dst, v, 'f', prec, 64)
}

// appendSci appends v like PyTorch prints a learning rate: 2.94e-04.
func appendSci(dst []byte, v float64) []byte {
	return strconv.AppendFloat(dst, v, 'e', 2, 64)
}

// appendClock appends d as HH:MM:SS (hours grow past 99 if they must).
func appendClock(dst []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	h, m := s/3600, s/60%60
	s %= 60
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, h, 10)
	dst = append(dst, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	return dst
}

// appendSpeed appends a time-lapse factor: ×4, ×0.5.
func appendSpeed(dst []byte, s float64) []byte {
	dst = append(dst, "×"...)
	return strconv.AppendFloat(dst, s, 'f', -1, 64)
}

// appendGiB appends MiB as GiB with one decimal.
func appendGiB(dst []byte, mib int) []byte {
	return strconv.AppendFloat(dst, float64(mib)/1024, 'f', 1, 64)
}
