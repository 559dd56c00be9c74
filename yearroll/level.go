package yearroll

// pairInfo is the overlap of one new and one old class.
type pairInfo struct {
	shared             int
	newShare, oldShare float64
	share              float64
	sameLine           bool
	candidate          bool
}

// better reports whether pair a (with class ai) is a stronger counterpart
// than pair b (with class bi) by the per-pair order: more shared pupils,
// higher share, same line, then smaller ID.
func better(a pairInfo, aID string, b pairInfo, bID string) bool {
	if a.shared != b.shared {
		return a.shared > b.shared
	}
	if a.share != b.share {
		return a.share > b.share
	}
	if a.sameLine != b.sameLine {
		return a.sameLine
	}
	return aID < bID
}

// levelRoll is one new level L of one institution being matched against
// old level L-1: its eligible classes, their overlaps and who was paired
// with whom so far.
type levelRoll struct {
	r          *roller
	inst       string
	L          int
	news, olds []*cls
	info       []pairInfo // new position * len(olds) + old position
	// partnerOfOld maps an old position to its new position, or -1;
	// partnerOfNew the other way round.
	partnerOfOld, partnerOfNew []int
	cnt                        []int32 // shared pupils, as info
}

// resize returns s with length n and every element zero, reusing its
// array when it is large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// level matches one new level: rule 1 (whole level by line), else rule 2
// (optimal pairing by overlap), then rule 3 explains every class left over.
func (r *roller) level(inst string, L int, news, olds []*cls, allOld []*cls) {
	if len(news) == 0 {
		for _, o := range olds {
			r.outcome(o, OldClass, NoCandidate)
		}
		return
	}
	lv := &r.lv // reused, with its buffers: one level at a time
	lv.r, lv.inst, lv.L, lv.news, lv.olds = r, inst, L, news, olds
	lv.overlaps(allOld)
	if lv.byLine() {
		return
	}
	lv.byOverlap()
	lv.explainRest()
}

// overlaps counts the pupils every new class shares with every old class
// and derives the shares and the candidate flag from the options.
func (lv *levelRoll) overlaps(allOld []*cls) {
	r, L := lv.r, lv.L
	n, m := len(lv.news), len(lv.olds)
	lv.cnt = resize(lv.cnt, n*m)
	cnt := lv.cnt
	for ni, k := range lv.news {
		for _, p := range k.pupils {
			if int(p) >= len(r.primary) {
				continue
			}
			oi := r.primary[p]
			if oi < 0 {
				continue
			}
			if o := allOld[oi]; o.level == L-1 {
				cnt[ni*m+int(o.pos)]++
			}
			for _, oi := range r.extra[p] {
				if o := allOld[oi]; o.level == L-1 {
					cnt[ni*m+int(o.pos)]++
				}
			}
		}
	}
	lv.info = resize(lv.info, n*m)
	for ni, nk := range lv.news {
		for oi, ok := range lv.olds {
			c := int(cnt[ni*m+oi])
			pi := &lv.info[ni*m+oi]
			pi.shared = c
			pi.sameLine = nk.line != "" && nk.line == ok.line
			if c == 0 {
				continue
			}
			pi.newShare = float64(c) / float64(len(nk.pupils))
			pi.oldShare = float64(c) / float64(len(ok.pupils))
			pi.share = r.opt.Basis.of(pi.newShare, pi.oldShare)
			pi.candidate = pi.share >= r.opt.Threshold
		}
	}
	lv.partnerOfOld = resize(lv.partnerOfOld, m)
	lv.partnerOfNew = resize(lv.partnerOfNew, n)
	for i := range lv.partnerOfOld {
		lv.partnerOfOld[i] = -1
	}
	for i := range lv.partnerOfNew {
		lv.partnerOfNew[i] = -1
	}
}

// pair returns the overlap of new position ni with old position oi.
func (lv *levelRoll) pair(ni, oi int) pairInfo { return lv.info[ni*len(lv.olds)+oi] }

// match records the pair (ni, oi) under rule.
func (lv *levelRoll) match(ni, oi int, rule Rule) {
	nk, ok := lv.news[ni], lv.olds[oi]
	pi := lv.pair(ni, oi)
	nk.matched, ok.matched = true, true
	lv.partnerOfOld[oi], lv.partnerOfNew[ni] = ni, oi
	lv.r.res.Matches = append(lv.r.res.Matches, Match{
		Institution: lv.inst,
		Old:         ok.src.ID,
		New:         nk.src.ID,
		OldName:     ok.src.Name,
		NewName:     nk.src.Name,
		Level:       lv.L,
		Rule:        rule,
		Shared:      pi.shared,
		OldPupils:   len(ok.pupils),
		NewPupils:   len(nk.pupils),
		Share:       pi.share,
		NewShare:    pi.newShare,
		OldShare:    pi.oldShare,
		SameLine:    pi.sameLine,
	})
}

// byLine applies rule 1, whole level by line. It reports whether the rule
// decided the level (then every class of it is matched or retired).
func (lv *levelRoll) byLine() bool {
	pairs, unpaired := lineUp(lv.news, lv.olds)
	if len(unpaired) > 0 {
		lv.r.res.Levels = append(lv.r.res.Levels, LevelOutcome{Institution: lv.inst, Level: lv.L, Rule: Overlap, Unpaired: unpaired})
		return false
	}
	lv.r.res.Levels = append(lv.r.res.Levels, LevelOutcome{Institution: lv.inst, Level: lv.L, Rule: WholeLevel})
	for ni, oi := range pairs {
		lv.match(ni, oi, WholeLevel)
	}
	for _, o := range lv.olds {
		if !o.matched {
			lv.r.outcome(o, OldClass, NoLinePartner)
		}
	}
	return true
}

// byOverlap applies rule 2: the optimal one-to-one pairing by overlap,
// solved per connected component of the candidate graph.
func (lv *levelRoll) byOverlap() {
	n, m := len(lv.news), len(lv.olds)
	parent := make([]int, n+m)
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	anyCandidate := false
	for ni := range n {
		for oi := range m {
			if lv.pair(ni, oi).candidate {
				anyCandidate = true
				a, b := find(ni), find(n+oi)
				if a != b {
					parent[max(a, b)] = min(a, b)
				}
			}
		}
	}
	if !anyCandidate {
		return
	}
	comps := make(map[int][2][]int)
	var roots []int
	for x := range n + m {
		root := find(x)
		c, seen := comps[root]
		if !seen {
			roots = append(roots, root)
		}
		if x < n {
			c[0] = append(c[0], x)
		} else {
			c[1] = append(c[1], x-n)
		}
		comps[root] = c
	}
	for _, root := range roots {
		c := comps[root]
		rows, cols := c[0], c[1]
		if len(rows) == 0 || len(cols) == 0 {
			continue
		}
		got := assign(len(rows), len(cols), func(i, j int) (gain, bool) {
			ni, oi := rows[i], cols[j]
			pi := lv.pair(ni, oi)
			if !pi.candidate {
				return gain{}, false
			}
			line := int64(0)
			if pi.sameLine {
				line = 1
			}
			size := int64(len(lv.news[ni].pupils) + len(lv.olds[oi].pupils))
			return gain{0, int64(pi.shared), 1, line, -size}, true
		})
		for i, j := range got {
			if j >= 0 {
				lv.match(rows[i], cols[j], Overlap)
			}
		}
	}
}

// explainRest applies rule 3: every class of the level left unmatched is
// new (or retired), with the reason.
func (lv *levelRoll) explainRest() {
	for ni, nk := range lv.news {
		if !nk.matched {
			lv.r.explainUnmatched(nk, NewClass, lv.olds, func(oi int) pairInfo { return lv.pair(ni, oi) }, lv.partnerOfOld, lv.news)
		}
	}
	for oi, ok := range lv.olds {
		if !ok.matched {
			lv.r.explainUnmatched(ok, OldClass, lv.news, func(ni int) pairInfo { return lv.pair(ni, oi) }, lv.partnerOfNew, lv.olds)
		}
	}
}

// explainUnmatched records why class k of the given side got no partner:
// a candidate it passed the threshold with went to another class
// (Outmatched), it shares pupils below the threshold (BelowThreshold), or it
// shares none (NoCandidate). others are the classes of the other side,
// pair(j) is k's pair information with others[j], and partnerOf[j] is the
// index in partnerSide of the class others[j] was matched to, or -1.
func (r *roller) explainUnmatched(k *cls, side Side, others []*cls, pair func(j int) pairInfo, partnerOf []int, partnerSide []*cls) {
	bestPass, bestAny := -1, -1
	for j, o := range others {
		pi := pair(j)
		if pi.shared == 0 {
			continue
		}
		if bestAny < 0 || better(pi, o.src.ID, pair(bestAny), others[bestAny].src.ID) {
			bestAny = j
		}
		if pi.candidate && (bestPass < 0 || better(pi, o.src.ID, pair(bestPass), others[bestPass].src.ID)) {
			bestPass = j
		}
	}
	switch {
	case bestPass >= 0:
		o := r.outcome(k, side, Outmatched)
		r.fillBest(o, others[bestPass].src, pair(bestPass))
		if p := partnerOf[bestPass]; p >= 0 {
			o.TakenBy, o.TakenByName = partnerSide[p].src.ID, partnerSide[p].src.Name
		}
	case bestAny >= 0:
		o := r.outcome(k, side, BelowThreshold)
		r.fillBest(o, others[bestAny].src, pair(bestAny))
	default:
		r.outcome(k, side, NoCandidate)
	}
}

func (r *roller) fillBest(o *Outcome, best *Class, pi pairInfo) {
	o.Best, o.BestName = best.ID, best.Name
	o.Shared, o.Share, o.NewShare, o.OldShare = pi.shared, pi.share, pi.newShare, pi.oldShare
}

// lineUp tries rule 1: every new class must have exactly one old class with
// the same non-empty line, and no other new class may claim that line. It
// returns the pairs (new position -> old position) and the IDs of the new
// classes without such a partner (in ID order).
func lineUp(news, olds []*cls) (pairs []int, unpaired []string) {
	oldByLine := make(map[string]int, len(olds))
	for oi, o := range olds {
		if o.line == "" {
			continue
		}
		if _, dup := oldByLine[o.line]; dup {
			oldByLine[o.line] = -1
		} else {
			oldByLine[o.line] = oi
		}
	}
	newCount := make(map[string]int, len(news))
	for _, k := range news {
		newCount[k.line]++
	}
	pairs = make([]int, len(news))
	for ni, k := range news {
		oi, ok := oldByLine[k.line]
		if k.line == "" || newCount[k.line] > 1 || !ok || oi < 0 {
			unpaired = append(unpaired, k.src.ID)
			continue
		}
		pairs[ni] = oi
	}
	return pairs, unpaired
}
