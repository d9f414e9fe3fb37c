package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LateUse is a child's screen time on a day that fell in the late-night
// hours (a hub's yearly report, issue 13, with 22:00 and 06:00): before
// toMin minutes after the day's local midnight, or from fromMin on (to
// toMin the next morning, when the day's use ran past midnight). It reads the detail intervals (kept 90 days), so a day older than that
// reads as zero. A merged interval that bridged a short gap counts in
// proportion to its counted time.
func (s *Store) LateUse(ctx context.Context, child, day string, loc *time.Location, fromMin, toMin int) (time.Duration, error) {
	if err := checkDay("day", day); err != nil {
		return 0, fmt.Errorf("store: late use: %w", err)
	}
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return 0, fmt.Errorf("store: late use: %w", err)
	}
	y, m, dd := d.Date()
	at := func(min int) int64 { return toMs(time.Date(y, m, dd, 0, min, 0, 0, loc)) }
	windows := [][2]int64{{at(0), at(toMin)}, {at(fromMin), at(24*60 + toMin)}}
	var total float64
	err = s.read(ctx, "late use", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT start_ms, end_ms, counted_ms FROM usage
			WHERE child_id = ? AND day = ? AND kind = 'screen' AND (start_ms < ? OR end_ms > ?)`,
			cid, day, windows[0][1], windows[1][0])
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var start, end, counted int64
			if err := rows.Scan(&start, &end, &counted); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			if end <= start {
				continue
			}
			for _, w := range windows {
				if in := min(end, w[1]) - max(start, w[0]); in > 0 {
					total += float64(in) * float64(counted) / float64(end-start)
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	return time.Duration(total) * time.Millisecond, nil
}
