package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
)

// peerDescs are the families of each series' standing among its peers
// (SPEC section 6) and of the catalog's alert thresholds
// (bizenv_indicator_alert_min_change, sent with the catalog), which the
// rank and decline alerts read.
type peerDescs struct {
	rank, count, lastPlaceStreak, alertMinChange *prometheus.Desc
}

func newPeerDescs(desc func(name, help string, labels ...string) *prometheus.Desc) peerDescs {
	series := []string{"indicator", "entity"}
	return peerDescs{
		rank: desc("indicator_peer_rank",
			"Rank of the entity's latest value among its peers (same parent and kind) for the same period, best = 1, by direction; ties share a rank. Absent when fewer than two peers have a value, and for neutral indicators.",
			series...),
		count: desc("indicator_peer_count",
			"How many peers (the entity included) have a value for the period of the entity's latest value.", series...),
		lastPlaceStreak: desc("indicator_last_place_streak",
			"Consecutive periods, ending at the latest, in which the entity ranked last among its peers (末位): none worse, at least one better. A period without its value ends the streak.",
			series...),
		alertMinChange: desc("indicator_alert_min_change",
			"Declines smaller than this, in the indicator's unit, do not alert (alert_min_change in the catalog; 0 when unset).",
			"indicator"),
	}
}

func (p peerDescs) list() []*prometheus.Desc {
	return []*prometheus.Desc{p.rank, p.count, p.lastPlaceStreak, p.alertMinChange}
}

// collectPeers sends the peer rank families of a series that has at least
// two peers with a value; SnapshotPeerRanks leaves neutral indicators and
// entities without peers at PeerCount 0.
func (c *definitions) collectPeers(out *renderer, s bizenv.SeriesStatus) {
	if s.PeerCount < 2 {
		return
	}
	out.gauge(c.peers.rank, float64(s.PeerRank), s.Indicator, s.Entity)
	out.gauge(c.peers.count, float64(s.PeerCount), s.Indicator, s.Entity)
	out.gauge(c.peers.lastPlaceStreak, float64(s.LastPlaceStreak), s.Indicator, s.Entity)
}
