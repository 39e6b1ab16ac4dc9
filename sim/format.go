package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// String is the line exactly as the run's terminal log shows it: the
// framework's timestamp/level prefix, or NCCL's host:pid:tid prefix, then
// the text.
func (e Event) String() string {
	switch e.Kind {
	case KindPrint:
		return e.Text
	case KindNCCL:
		return e.Source + " [" + strconv.Itoa(e.Local) + "] NCCL " + ncclLevel(e.Level) + " " + e.Text
	case KindGlog:
		return e.Level.String()[:1] + e.Time.Format("0102 15:04:05.000000") + " " + e.Source + "] " + e.Text
	}
	switch e.Style {
	case FrameworkMegatron:
		p := "[" + e.Time.Format("2006-01-02 15:04:05") + "] "
		if e.Level >= LevelWarning {
			p += e.Level.String() + ": "
		}
		return p + e.Text
	case FrameworkTorchtitan:
		rank := max(e.Rank, 0)
		return "[rank" + strconv.Itoa(rank) + "]:[titan] " + e.Time.Format("2006-01-02 15:04:05,000") +
			" - root - " + e.Level.String() + " - " + e.Text
	}
	src := e.Source
	if src == "" {
		src = "trainer.py:2318"
	}
	return "[" + e.Level.String() + "|" + src + "] " + e.Time.Format("2006-01-02 15:04:05,000") + " >> " + e.Text
}

func ncclLevel(l Level) string {
	if l >= LevelWarning {
		return "WARN"
	}
	return "INFO"
}

// String is the level as Python's logging prints it.
func (l Level) String() string {
	switch l {
	case LevelDebug:
		return "DEBUG"
	case LevelWarning:
		return "WARNING"
	case LevelError:
		return "ERROR"
	}
	return "INFO"
}

// String is the phase as a pipeline label.
func (p Phase) String() string {
	switch p {
	case PhaseInit:
		return "INIT"
	case PhaseTrain:
		return "TRAIN"
	case PhaseValidate:
		return "VALID"
	case PhaseExport:
		return "EXPORT"
	case PhaseSummary:
		return "SUMMARY"
	}
	return "NEXT"
}

// String is the framework's common name.
func (f Framework) String() string {
	switch f {
	case FrameworkMegatron:
		return "Megatron-LM"
	case FrameworkTorchtitan:
		return "torchtitan"
	}
	return "HF Trainer"
}

// barBlocks are tqdm's partial-block glyphs, one cell (three bytes) each,
// for 1/8 … 7/8.
const barBlocks = "▏▎▍▌▋▊▉"

// Format renders the bar like tqdm, fitting in width display cells:
// "Training:  42%|████▏     | 420/1000 [03:12<04:26, 2.19it/s]". The bar
// part shrinks first; below that the line is cut.
func (b Bar) Format(width int) string {
	if width <= 0 {
		return ""
	}
	frac := 0.0
	if b.Total > 0 {
		frac = math.Max(0, math.Min(1, b.Done/b.Total))
	}
	pct := int(frac * 100)
	// Both sides go into one scratch buffer (a frame formats every live bar
	// at every tick of every session, so no fmt and no string per piece).
	var scratch [160]byte
	d := append(scratch[:0], b.Label...)
	d = append(d, ": "...)
	d = appendPadded(d, int64(pct), 3, ' ')
	d = append(d, "%|"...)
	lEnd := len(d)
	d = append(d, "| "...)
	d = b.appendCount(d, b.Done)
	d = append(d, '/')
	d = b.appendCount(d, b.Total)
	d = append(d, " ["...)
	d = appendTqdmTime(d, b.Elapsed)
	d = append(d, '<')
	d = b.appendETA(d)
	d = append(d, ", "...)
	d = b.appendRate(d)
	d = append(d, ']')
	left, right := d[:lEnd], d[lEnd:]
	room := width - utf8.RuneCount(left) - utf8.RuneCount(right)
	if room < 3 {
		s := append(d[:0], b.Label...)
		s = append(s, ": "...)
		s = appendPadded(s, int64(pct), 3, ' ')
		s = append(s, "% "...)
		s = b.appendCount(s, b.Done)
		s = append(s, '/')
		s = b.appendCount(s, b.Total)
		return cut(string(s), width)
	}
	room = min(room, 60)
	var sb strings.Builder
	sb.Grow(len(left) + len(right) + room*3)
	sb.Write(left)
	eighths := int(frac * float64(room) * 8)
	full := eighths / 8
	for range full {
		sb.WriteString("█")
	}
	n := full
	if full < room {
		if p := eighths % 8; p > 0 {
			sb.WriteString(barBlocks[3*(p-1) : 3*p])
			n++
		}
	}
	for ; n < room; n++ {
		sb.WriteByte(' ')
	}
	sb.Write(right)
	return sb.String()
}

// appendPadded appends v in decimal, padded on the left with pad to at
// least w bytes (fmt's %3d or %02d).
func appendPadded(dst []byte, v int64, w int, pad byte) []byte {
	var num [20]byte
	s := strconv.AppendInt(num[:0], v, 10)
	if pad == '0' && v < 0 {
		// fmt keeps the sign in front of zero padding.
		dst = append(dst, '-')
		s = s[1:]
		w--
	}
	for range w - len(s) {
		dst = append(dst, pad)
	}
	return append(dst, s...)
}

func (b Bar) appendCount(dst []byte, v float64) []byte {
	if b.Unit == "B" {
		return appendSIBytes(dst, v)
	}
	return strconv.AppendInt(dst, int64(v), 10)
}

func (b Bar) appendETA(dst []byte) []byte {
	if b.Rate <= 0 && b.Done < b.Total {
		return append(dst, '?')
	}
	return appendTqdmTime(dst, b.ETA)
}

func (b Bar) appendRate(dst []byte) []byte {
	unit := b.Unit
	if unit == "" {
		unit = "it"
	}
	switch {
	case b.Rate <= 0:
		dst = append(dst, '?')
		dst = append(dst, unit...)
		return append(dst, "/s"...)
	case unit == "B":
		return append(appendSIBytes(dst, b.Rate), "/s"...)
	case b.Rate < 1:
		dst = strconv.AppendFloat(dst, 1/b.Rate, 'f', 2, 64)
		dst = append(dst, "s/"...)
		return append(dst, unit...)
	}
	dst = strconv.AppendFloat(dst, b.Rate, 'f', 2, 64)
	dst = append(dst, unit...)
	return append(dst, "/s"...)
}

// cut truncates s to width runes.
func cut(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	i := 0
	for j := range s {
		if i == width {
			return s[:j]
		}
		i++
	}
	return s
}

// appendTqdmTime appends tqdm's interval format: MM:SS, or H:MM:SS from an
// hour up.
func appendTqdmTime(dst []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	if s >= 3600 {
		dst = strconv.AppendInt(dst, s/3600, 10)
		dst = append(dst, ':')
		dst = appendPadded(dst, s%3600/60, 2, '0')
		dst = append(dst, ':')
		return appendPadded(dst, s%60, 2, '0')
	}
	dst = appendPadded(dst, s/60, 2, '0')
	dst = append(dst, ':')
	return appendPadded(dst, s%60, 2, '0')
}

// appendSIBytes appends v bytes in tqdm's unit_scale form with three
// significant digits: 8.03GB.
func appendSIBytes(dst []byte, v float64) []byte {
	siUnits := [...]string{"B", "kB", "MB", "GB", "TB", "PB"}
	i := 0
	for v >= 999.5 && i < len(siUnits)-1 {
		v /= 1000
		i++
	}
	prec := 2
	switch {
	case i == 0, v >= 99.95:
		prec = 0
	case v >= 9.995:
		prec = 1
	}
	dst = strconv.AppendFloat(dst, v, 'f', prec, 64)
	return append(dst, siUnits[i]...)
}

// gb is bytes as decimal gigabytes with two decimals: "16.06 GB".
func gb(bytes int64) string { return fmt.Sprintf("%.2f GB", float64(bytes)/1e9) }

// humanBytes picks the unit: "6.09 TB", "16.06 GB", "9.09 MB", "184 B".
func humanBytes(b int64) string {
	v := float64(b)
	switch {
	case v >= 1e12:
		return fmt.Sprintf("%.2f TB", v/1e12)
	case v >= 1e9:
		return fmt.Sprintf("%.2f GB", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2f MB", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f kB", v/1e3)
	}
	return fmt.Sprintf("%d B", b)
}

// commas groups digits: 8030261248 → "8,030,261,248".
func commas(n int64) string { return string(AppendCommas(nil, n)) }

// AppendCommas appends n with thousands separators, as training logs and
// the dashboard print counts: 1,234,567.
func AppendCommas(dst []byte, n int64) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	var tmp [24]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c)
	}
	return dst
}

// billions is a count as people say it: "124M", "8.03B", "15.00T".
func billions(n int64) string {
	if n >= 1e12 {
		return fmt.Sprintf("%.2fT", float64(n)/1e12)
	}
	if n < 1e9 {
		return fmt.Sprintf("%.0fM", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2fB", float64(n)/1e9)
}

// pyFloat is Python's repr of a float (shortest round-trip).
func pyFloat(x float64) string {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

// bf16 rounds to bfloat16 precision, as a grad norm computed in bf16 is.
func bf16(x float64) float64 {
	b := math.Float32bits(float32(x))
	b = (b + 0x7fff + (b>>16)&1) &^ 0xffff
	return float64(math.Float32frombits(b))
}
