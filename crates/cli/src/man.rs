//! `paygate man`: the manual, generated from the same definitions as `--help`, with the exit
//! codes of [`crate::exit::EXIT_CODES`] as its EXIT STATUS.

use std::io::Write;
use std::path::Path;

/// Writes the manual: one page with every subcommand to standard output, or with `dir`, one
/// page per command (`paygate.1`, `paygate-refund.1`, `paygate-journal-list.1`, …) there,
/// each with the exit status.
pub(crate) fn write(command: clap::Command, dir: Option<&Path>) -> std::io::Result<()> {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot make {}: {e}", dir.display()))
            })?;
            for page in pages(&command, "") {
                let name = page
                    .get_display_name()
                    .unwrap_or(page.get_name())
                    .to_owned();
                let mut roff = render(page)?;
                roff.extend_from_slice(crate::exit::man_section().as_bytes());
                std::fs::write(dir.join(format!("{name}.1")), roff)?;
            }
            Ok(())
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let mut all = pages(&command, "").into_iter();
            if let Some(top) = all.next() {
                stdout.write_all(&render(top)?)?;
            }
            // Each subcommand as a section of the one page: its title line dropped, its
            // sections one level down.
            for page in all {
                let name = page
                    .get_display_name()
                    .unwrap_or(page.get_name())
                    .replace('-', " ");
                writeln!(stdout, ".SH \"{}\"", name.to_uppercase())?;
                let roff = render(page)?;
                for line in String::from_utf8_lossy(&roff).lines() {
                    if line.starts_with(".TH ") {
                        continue;
                    }
                    match line.strip_prefix(".SH ") {
                        Some(heading) => writeln!(stdout, ".SS {heading}")?,
                        None => writeln!(stdout, "{line}")?,
                    }
                }
            }
            stdout.write_all(crate::exit::man_section().as_bytes())?;
            stdout.flush()
        }
    }
}

/// `command` and every visible subcommand below it, depth first, each named by its path
/// (`paygate-journal-list`).
fn pages(command: &clap::Command, parent: &str) -> Vec<clap::Command> {
    let name = if parent.is_empty() {
        command.get_name().to_owned()
    } else {
        format!("{parent}-{}", command.get_name())
    };
    let mut found = vec![command.clone().display_name(name.clone())];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        found.extend(pages(sub, &name));
    }
    found
}

fn render(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command).render(&mut roff)?;
    Ok(roff)
}
