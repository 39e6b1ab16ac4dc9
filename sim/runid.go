package sim

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"
)

// A run id is "1" (the format version, in clear so old and new builds can
// tell each other apart) followed by unpadded base64url of
//
//	flags byte | seed uint64 | optional fields by flag | start unix ms varint | crc32
//
// The CRC-32 covers the version and everything before it, so a mistyped id
// is rejected instead of silently opening another run. Models and GPUs are
// stored as catalog positions: the catalogs only ever grow at the end, and a
// reordering needs a new version.
const runIDVersion = '1'

const (
	flagModel = 1 << iota
	flagGPU
	flagNodes
	flagJob
	flagSpeed
	flagCycle
	flagSteps
	flagFictional // no payload: invented models may be drawn
)

// EncodeRunID packs the options a run depends on (seed, model, GPU, nodes,
// job, speed to 1/1000, cycle to the millisecond, steps, invented models
// allowed, start to the millisecond) into a compact URL-safe id.
func EncodeRunID(o Options) string {
	var flags byte
	buf := make([]byte, 1, 48)
	buf = binary.BigEndian.AppendUint64(buf, o.Seed)
	if i := modelIndex(o.Model); i >= 0 {
		flags |= flagModel
		buf = binary.AppendUvarint(buf, uint64(i))
	}
	if i := gpuIndex(o.GPU); i >= 0 {
		flags |= flagGPU
		buf = binary.AppendUvarint(buf, uint64(i))
	}
	if o.Nodes > 0 {
		flags |= flagNodes
		buf = binary.AppendUvarint(buf, uint64(o.Nodes))
	}
	if o.Job == JobPretrain || o.Job == JobFinetune {
		flags |= flagJob
		j := byte(1)
		if o.Job == JobFinetune {
			j = 2
		}
		buf = append(buf, j)
	}
	if o.Speed > 0 && o.Speed != 1 {
		flags |= flagSpeed
		buf = binary.AppendUvarint(buf, uint64(math.Round(o.Speed*1000)))
	}
	if o.Cycle > 0 {
		flags |= flagCycle
		buf = binary.AppendUvarint(buf, uint64(o.Cycle/time.Millisecond))
	}
	if o.Steps > 0 {
		flags |= flagSteps
		buf = binary.AppendUvarint(buf, uint64(o.Steps))
	}
	if o.Fictional {
		flags |= flagFictional
	}
	buf[0] = flags
	var ms int64
	if !o.Start.IsZero() {
		ms = o.Start.UnixMilli()
	}
	buf = binary.AppendVarint(buf, ms)
	buf = binary.BigEndian.AppendUint32(buf, runIDChecksum(buf))
	return string(runIDVersion) + base64.RawURLEncoding.EncodeToString(buf)
}

func runIDChecksum(payload []byte) uint32 {
	h := crc32.NewIEEE()
	h.Write([]byte{runIDVersion})
	h.Write(payload)
	return h.Sum32()
}

func modelIndex(name string) int {
	if name == "" {
		return -1
	}
	m, err := LookupModel(name)
	if err != nil {
		return -1
	}
	for i, c := range Models() {
		if c.Key == m.Key {
			return i
		}
	}
	return -1
}

func gpuIndex(name string) int {
	if name == "" {
		return -1
	}
	g, err := LookupGPU(name)
	if err != nil {
		return -1
	}
	for i, c := range GPUs() {
		if c.Key == g.Key {
			return i
		}
	}
	return -1
}

var errShort = errors.New("truncated")

// ParseRunID decodes an id made by EncodeRunID. Errors say which of three
// things is wrong: the id is malformed, its checksum does not match (a
// typo), or it comes from an unknown format version. Whether its start is in
// the future is for the caller to judge.
func ParseRunID(id string) (Options, error) {
	const hint = "copy the whole id from the footer of the session you want to join"
	if id == "" {
		return Options{}, fmt.Errorf("malformed run id: empty (%s)", hint)
	}
	if id[0] != runIDVersion {
		if id[0] >= '0' && id[0] <= '9' {
			return Options{}, fmt.Errorf("unsupported run id version %c: this build reads version %c (the id comes from a different overfit release)", id[0], runIDVersion)
		}
		return Options{}, fmt.Errorf("malformed run id %q: it must start with the version digit %c (%s)", id, runIDVersion, hint)
	}
	raw, err := base64.RawURLEncoding.DecodeString(id[1:])
	if err != nil {
		return Options{}, fmt.Errorf("malformed run id %q: not base64url (%s)", id, hint)
	}
	if len(raw) < 1+8+1+4 {
		return Options{}, fmt.Errorf("malformed run id %q: too short (%s)", id, hint)
	}
	payload, sum := raw[:len(raw)-4], binary.BigEndian.Uint32(raw[len(raw)-4:])
	if runIDChecksum(payload) != sum {
		return Options{}, fmt.Errorf("run id %q fails its checksum: check it for a typo (%s)", id, hint)
	}
	o, err := decodeRunPayload(payload)
	if err != nil {
		return Options{}, fmt.Errorf("malformed run id %q: %w (%s)", id, err, hint)
	}
	if err := o.Validate(); err != nil {
		return Options{}, fmt.Errorf("run id %q holds options this build rejects: %w", id, err)
	}
	return o, nil
}

func decodeRunPayload(b []byte) (Options, error) {
	var o Options
	flags := b[0]
	if flags&^(flagModel|flagGPU|flagNodes|flagJob|flagSpeed|flagCycle|flagSteps|flagFictional) != 0 {
		return o, errors.New("unknown fields")
	}
	o.Seed = binary.BigEndian.Uint64(b[1:9])
	o.Fictional = flags&flagFictional != 0
	b = b[9:]
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errShort
		}
		b = b[n:]
		return v, nil
	}
	if flags&flagModel != 0 {
		v, err := uv()
		models := Models()
		if err != nil || v >= uint64(len(models)) {
			return o, errors.New("unknown model")
		}
		o.Model = models[v].Key
	}
	if flags&flagGPU != 0 {
		v, err := uv()
		gpus := GPUs()
		if err != nil || v >= uint64(len(gpus)) {
			return o, errors.New("unknown gpu")
		}
		o.GPU = gpus[v].Key
	}
	if flags&flagNodes != 0 {
		v, err := uv()
		if err != nil || v > MaxNodes {
			return o, errors.New("bad node count")
		}
		o.Nodes = int(v)
	}
	if flags&flagJob != 0 {
		if len(b) == 0 {
			return o, errShort
		}
		switch b[0] {
		case 1:
			o.Job = JobPretrain
		case 2:
			o.Job = JobFinetune
		default:
			return o, errors.New("unknown job")
		}
		b = b[1:]
	}
	if flags&flagSpeed != 0 {
		v, err := uv()
		if err != nil || v > uint64(MaxSpeed*1000) {
			return o, errors.New("bad speed")
		}
		o.Speed = float64(v) / 1000
	}
	if flags&flagCycle != 0 {
		v, err := uv()
		if err != nil || v > uint64(MaxCycle/time.Millisecond) {
			return o, errors.New("bad cycle")
		}
		o.Cycle = time.Duration(v) * time.Millisecond
	}
	if flags&flagSteps != 0 {
		v, err := uv()
		if err != nil || v > MaxSteps {
			return o, errors.New("bad steps")
		}
		o.Steps = int64(v)
	}
	ms, n := binary.Varint(b)
	if n <= 0 {
		return o, errShort
	}
	if n != len(b) {
		return o, errors.New("trailing bytes")
	}
	if ms != 0 {
		o.Start = time.UnixMilli(ms).UTC()
	}
	return o, nil
}
