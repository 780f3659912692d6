package session

// Len returns the number of stored sessions, expired or not (tests only).
func (s *Memory) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
