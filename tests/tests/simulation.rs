//! The write path's deterministic simulation (see `paygate_tests::simulation`): 20 000
//! seeded schedules by default (`PAYGATE_SIM_SCHEDULES`, `PAYGATE_SIM_SEED` to start
//! elsewhere); a failure names its seed, and `PAYGATE_SIM_SEED=N PAYGATE_SIM_SCHEDULES=1`
//! replays it. `cargo xtask simulate --schedules N` runs long, in release.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use paygate_tests::journals::temp_dir;
use paygate_tests::simulation::{run, run_schedule};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Journal files on a RAM disk where there is one (`synchronous = FULL` syncs are free
/// there), else the temporary folder.
fn work_dir(test: &str) -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        let dir = shm.join(format!("paygate-sim-{}-{test}", std::process::id()));
        if std::fs::create_dir_all(&dir).is_ok() {
            return dir;
        }
    }
    temp_dir(&format!("paygate-sim-{test}"))
}

#[test]
fn every_schedule_keeps_the_journal_s_promises() {
    let schedules = setting("PAYGATE_SIM_SCHEDULES", 20_000);
    let seed = setting("PAYGATE_SIM_SEED", 1);
    let dir = work_dir("all");
    let started = std::time::Instant::now();
    let result = run(seed, schedules, 2, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(stats) => eprintln!(
            "simulation: {schedules} schedules from seed {seed} in {:.1} s: {stats:?}",
            started.elapsed().as_secs_f64()
        ),
        Err(failure) => panic!(
            "schedule {} broke the journal's promises (replay: PAYGATE_SIM_SEED={} PAYGATE_SIM_SCHEDULES=1):\n{}",
            failure.seed, failure.seed, failure.message
        ),
    }
}

#[test]
fn a_seed_replays_the_same_schedule() {
    let dir = work_dir("replay");
    for seed in [7, 99, 12345] {
        let first = run_schedule(seed, &dir).unwrap();
        let again = run_schedule(seed, &dir).unwrap();
        assert_eq!(first, again, "seed {seed}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
