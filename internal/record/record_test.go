package record

import (
	"context"
	"errors"
	"testing"
)

// TestWait: waits see items added before and after they start, from their
// position on, each once; Close ends waits.
func TestWait(t *testing.T) {
	l := New[int]()
	l.Add(1)
	got := make(chan int, 1)
	seen := map[int]int{}
	go func() {
		v, i, err := l.Wait(context.Background(), 1, func(v int) bool { seen[v]++; return v%2 == 1 })
		if err != nil || i != 2 {
			t.Errorf("wait: %d at %d, %v", v, i, err)
		}
		got <- v
	}()
	l.Add(2)
	l.Add(3)
	if v := <-got; v != 3 {
		t.Errorf("wait from 1 returned %d, want 3", v)
	}
	if seen[2] != 1 || seen[3] != 1 || seen[1] != 0 {
		t.Errorf("pred saw %v, want 2 and 3 once", seen)
	}
	if s := l.Since(1); len(s) != 2 || s[0] != 2 || s[1] != 3 {
		t.Errorf("Since(1) = %v", s)
	}
	if s := l.Since(9); len(s) != 0 {
		t.Errorf("Since(9) = %v", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := l.Wait(ctx, 3, func(int) bool { return true }); !errors.Is(err, context.Canceled) {
		t.Errorf("wait past the end with a done ctx: %v", err)
	}
	stopped := errors.New("stopped")
	l.Close(stopped)
	if v, _, err := l.Wait(context.Background(), 0, func(v int) bool { return v == 2 }); err != nil || v != 2 {
		t.Errorf("wait for an old item after Close: %d, %v", v, err)
	}
	if _, _, err := l.Wait(context.Background(), 0, func(int) bool { return false }); !errors.Is(err, stopped) {
		t.Errorf("wait past the end after Close: %v", err)
	}
}

// TestFollow: Follow hands out every item in order, also those added before
// it started, and closes after the last one once the Log is closed, or at
// once on stop.
func TestFollow(t *testing.T) {
	l := New[int]()
	l.Add(1)
	ch := l.Follow(context.Background())
	l.Add(2)
	l.Add(3)
	l.Close(errors.New("done"))
	var got []int
	for v := range ch {
		got = append(got, v)
	}
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Errorf("Follow gave %v, want [1 2 3]", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	open := New[int]()
	open.Add(1)
	ch = open.Follow(ctx)
	cancel()
	for range ch { // closed at once; the item may or may not have gone out
	}
}
