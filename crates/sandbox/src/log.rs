//! The log of provider requests received, bounded: past its limit the oldest entries are
//! dropped and counted, so a long load run cannot grow it without end.

use std::collections::VecDeque;

use crate::{Provider, ReceivedRequest};

/// How many requests the log keeps unless set ([`crate::Sandbox::set_request_log_limit`]).
pub const DEFAULT_REQUEST_LOG_LIMIT: usize = 100_000;

pub(crate) struct RequestLog {
    entries: VecDeque<ReceivedRequest>,
    limit: usize,
    dropped: u64,
    next_seq: u64,
}

impl RequestLog {
    pub(crate) fn new() -> RequestLog {
        RequestLog {
            entries: VecDeque::new(),
            limit: DEFAULT_REQUEST_LOG_LIMIT,
            dropped: 0,
            next_seq: 0,
        }
    }

    /// Records a request as it arrives; returns its number (numbers keep counting across
    /// drops and [`RequestLog::forget`]).
    pub(crate) fn record(
        &mut self,
        provider: Provider,
        method: String,
        path: String,
        fault: Option<String>,
        received_at_us: u64,
    ) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push_back(ReceivedRequest {
            provider,
            method,
            path,
            fault,
            received_at_us,
            answered_at_us: None,
            seq,
        });
        self.trim();
        seq
    }

    /// Notes that request `seq` has its answer (if it is still kept).
    pub(crate) fn answered(&mut self, seq: u64, at_us: u64) {
        if let Some(request) = self.entries.iter_mut().rev().find(|r| r.seq == seq) {
            request.answered_at_us = Some(at_us);
        }
    }

    /// Forgets every entry (not the count of dropped ones).
    pub(crate) fn forget(&mut self) {
        self.entries.clear();
        self.entries.shrink_to_fit();
    }

    pub(crate) fn entries(&self) -> Vec<ReceivedRequest> {
        self.entries.iter().cloned().collect()
    }

    /// How many entries were dropped for the limit.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Keeps at most `limit` entries (at least 1) from now on.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1);
        self.trim();
    }

    fn trim(&mut self) {
        while self.entries.len() > self.limit {
            self.entries.pop_front();
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_are_dropped_and_counted() {
        let mut log = RequestLog::new();
        log.set_limit(3);
        for n in 0..5 {
            let seq = log.record(Provider::ALL[0], "POST".into(), format!("/{n}"), None, n);
            assert_eq!(seq, n);
        }
        let kept: Vec<u64> = log.entries().iter().map(|r| r.seq).collect();
        assert_eq!(kept, [2, 3, 4]);
        assert_eq!(log.dropped(), 2);
        log.answered(1, 9); // dropped: nothing to note
        log.answered(4, 9);
        assert_eq!(log.entries().last().and_then(|r| r.answered_at_us), Some(9));
        log.forget();
        assert!(log.entries().is_empty());
        assert_eq!(
            log.record(Provider::ALL[0], "POST".into(), "/".into(), None, 0),
            5
        );
    }
}
