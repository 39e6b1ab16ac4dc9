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
	left := fmt.Sprintf("%s: %3d%%|", b.Label, pct)
	right := fmt.Sprintf("| %s/%s [%s<%s, %s]", b.count(b.Done), b.count(b.Total),
		tqdmTime(b.Elapsed), b.eta(), b.rate())
	room := width - utf8.RuneCountInString(left) - utf8.RuneCountInString(right)
	if room < 3 {
		s := fmt.Sprintf("%s: %3d%% %s/%s", b.Label, pct, b.count(b.Done), b.count(b.Total))
		return cut(s, width)
	}
	room = min(room, 60)
	var sb strings.Builder
	sb.Grow(len(left) + len(right) + room*3)
	sb.WriteString(left)
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
	sb.WriteString(right)
	return sb.String()
}

func (b Bar) count(v float64) string {
	if b.Unit == "B" {
		return siBytes(v)
	}
	return strconv.FormatInt(int64(v), 10)
}

func (b Bar) eta() string {
	if b.Rate <= 0 && b.Done < b.Total {
		return "?"
	}
	return tqdmTime(b.ETA)
}

func (b Bar) rate() string {
	unit := b.Unit
	if unit == "" {
		unit = "it"
	}
	switch {
	case b.Rate <= 0:
		return "?" + unit + "/s"
	case unit == "B":
		return siBytes(b.Rate) + "/s"
	case b.Rate < 1:
		return fmt.Sprintf("%.2fs/%s", 1/b.Rate, unit)
	}
	return fmt.Sprintf("%.2f%s/s", b.Rate, unit)
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

// tqdmTime is tqdm's interval format: MM:SS, or H:MM:SS from an hour up.
func tqdmTime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// siBytes is tqdm's unit_scale form with three significant digits: 8.03GB.
func siBytes(v float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	i := 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	switch {
	case i == 0:
		return fmt.Sprintf("%.0f%s", v, units[i])
	case v >= 99.95:
		return fmt.Sprintf("%.0f%s", v, units[i])
	case v >= 9.995:
		return fmt.Sprintf("%.1f%s", v, units[i])
	}
	return fmt.Sprintf("%.2f%s", v, units[i])
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
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
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
