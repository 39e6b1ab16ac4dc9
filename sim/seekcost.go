package sim

import "time"

// What a jump costs compared with stepping, measured with Advance and Seek
// (seeds 1–3, 1 hour to 10 days of run time): stepping costs about 1.1 ms
// per hour of run time; Seek about 1 ms (it replays the last 20 minutes)
// plus 1/20 of stepping's cost per hour from the stream's start, since it
// walks run configurations, not steps.
const (
	seekFixed = time.Hour // Seek's fixed cost, in run time stepped
	seekWalk  = 20        // stepping through an hour costs as much as walking 20
)

// SeekCheaper says whether Seek(target) costs less than Advance(target −
// cur) from cur. A viewer joining a run far in jumps; one a few minutes
// behind, or keeping up with a live run at any speed, steps.
func SeekCheaper(cur, target time.Duration) bool {
	return target-cur > seekFixed+target/seekWalk
}
