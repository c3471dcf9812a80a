//! The RSA public-key operation `m^e mod n` for `merchant_auth`, with Montgomery
//! multiplication on 64-bit limbs.
//!
//! Why not the `rsa` crate's: its `BigUint::modpow` (num-bigint-dig) spends about 100
//! Montgomery products on any exponent that fits a 64-bit word, and a long division per
//! product in the plain path; a 1024-bit encryption took 39 µs. Square-and-multiply over the
//! exponent's bits is 17 products for e = 65537, each a few hundred 64-bit multiplies: about
//! 8 µs (BENCHMARKS.md). Only public values (n, e) and the padded message are involved; the
//! `rsa` crate's public operation is not constant-time either.

use rsa::BigUint;

/// A public key prepared once: the modulus in little-endian limbs, `-n⁻¹ mod 2⁶⁴`,
/// `R² mod n` (R = 2^(64·limbs)) and the exponent's bits from the leading one.
#[derive(Clone)]
pub(crate) struct PublicPower {
    n: Vec<u64>,
    n0_inv: u64,
    r2: Vec<u64>,
    exponent_bits: Vec<bool>,
    modulus_bytes: usize,
}

/// `bytes` (big-endian) as `len` little-endian limbs; higher bytes beyond `len` limbs are
/// dropped (callers pass values below the modulus).
fn limbs_from_be(bytes: &[u8], len: usize) -> Vec<u64> {
    let mut limbs = vec![0u64; len];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.rchunks(8)) {
        let mut word = [0u8; 8];
        for (to, from) in word.iter_mut().rev().zip(chunk.iter().rev()) {
            *to = *from;
        }
        *limb = u64::from_be_bytes(word);
    }
    limbs
}

impl PublicPower {
    /// `None` for an even or zero modulus (never an RSA modulus).
    pub(crate) fn new(n: &BigUint, e: &BigUint) -> Option<PublicPower> {
        let modulus_bytes = n.bits().div_ceil(8);
        let len = modulus_bytes.div_ceil(8);
        let n_limbs = limbs_from_be(&n.to_bytes_be(), len);
        let n0 = *n_limbs.first()?;
        if n0 & 1 == 0 {
            return None;
        }
        // Newton's iteration doubles the correct low bits each step: 1 → 64 in six.
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
        }
        let r2 = (BigUint::from(1u8) << (128 * len)) % n;
        let exponent_bits = e
            .to_bytes_be()
            .iter()
            .flat_map(|byte| (0..8).rev().map(move |i| (byte >> i) & 1 == 1))
            .skip_while(|bit| !bit)
            .collect();
        Some(PublicPower {
            n: n_limbs,
            n0_inv: inv.wrapping_neg(),
            r2: limbs_from_be(&r2.to_bytes_be(), len),
            exponent_bits,
            modulus_bytes,
        })
    }

    /// `block^e mod n` as big-endian bytes of the modulus length. `block` (big-endian) must be
    /// below n, as a PKCS#1 block (leading 0x00) of the modulus length always is.
    pub(crate) fn apply(&self, block: &[u8]) -> Vec<u8> {
        let len = self.n.len();
        let mut one = vec![0u64; len];
        if let Some(low) = one.first_mut() {
            *low = 1;
        }
        // e = 0 (not an RSA key): m^0 = 1.
        let Some((_, rest)) = self.exponent_bits.split_first() else {
            return self.to_be(&one);
        };
        let mut scratch = Scratch {
            t: Vec::with_capacity(len + 2),
            u: Vec::with_capacity(len + 2),
        };
        let m = limbs_from_be(block, len);
        let mut m_mont = Vec::with_capacity(len);
        self.product(&m, &self.r2, &mut m_mont, &mut scratch);
        // The leading one bit: start from m itself.
        let mut acc = m_mont.clone();
        let mut next = Vec::with_capacity(len);
        for &bit in rest {
            self.product(&acc, &acc, &mut next, &mut scratch);
            std::mem::swap(&mut acc, &mut next);
            if bit {
                self.product(&acc, &m_mont, &mut next, &mut scratch);
                std::mem::swap(&mut acc, &mut next);
            }
        }
        // Out of the Montgomery form: a product with 1.
        self.product(&acc, &one, &mut next, &mut scratch);
        self.to_be(&next)
    }

    fn to_be(&self, limbs: &[u64]) -> Vec<u8> {
        let bytes: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        let skip = bytes.len().saturating_sub(self.modulus_bytes);
        bytes.into_iter().skip(skip).collect()
    }

    /// `out = a·b·R⁻¹ mod n` (coarsely integrated operand scanning); `a`, `b` below n.
    fn product(&self, a: &[u64], b: &[u64], out: &mut Vec<u64>, scratch: &mut Scratch) {
        let len = self.n.len();
        let Scratch { t, u } = scratch;
        t.clear();
        t.resize(len + 2, 0);
        u.clear();
        u.resize(len + 2, 0);
        let n0 = self.n.first().copied().unwrap_or(0);
        for &b_i in b {
            // t += a·b_i
            let mut carry: u128 = 0;
            for (t_j, &a_j) in t.iter_mut().zip(a) {
                let v = u128::from(*t_j) + u128::from(a_j) * u128::from(b_i) + carry;
                *t_j = v as u64;
                carry = v >> 64;
            }
            let mut high = t.iter_mut().skip(len);
            if let (Some(t_len), Some(t_len1)) = (high.next(), high.next()) {
                let v = u128::from(*t_len) + carry;
                *t_len = v as u64;
                *t_len1 = (v >> 64) as u64;
            }
            // u = (t + m·n) / 2⁶⁴, with m chosen so that the low limb vanishes.
            let t0 = t.first().copied().unwrap_or(0);
            let m = u128::from(t0.wrapping_mul(self.n0_inv));
            let mut carry = (u128::from(t0) + m * u128::from(n0)) >> 64;
            for (u_j, (&t_j1, &n_j1)) in u
                .iter_mut()
                .zip(t.iter().skip(1).zip(self.n.iter().skip(1)))
            {
                let v = u128::from(t_j1) + m * u128::from(n_j1) + carry;
                *u_j = v as u64;
                carry = v >> 64;
            }
            let t_len = t.get(len).copied().unwrap_or(0);
            let t_len1 = t.get(len + 1).copied().unwrap_or(0);
            let v = u128::from(t_len) + carry;
            let mut top = u.iter_mut().skip(len.saturating_sub(1));
            if let (Some(u_a), Some(u_b), Some(u_c)) = (top.next(), top.next(), top.next()) {
                *u_a = v as u64;
                *u_b = t_len1.wrapping_add((v >> 64) as u64);
                *u_c = 0;
            }
            std::mem::swap(t, u);
        }
        // t < 2n: subtract n once when t ≥ n.
        let at_least_n = t.get(len).copied().unwrap_or(0) != 0
            || t.iter()
                .take(len)
                .zip(&self.n)
                .rev()
                .find(|(t_j, n_j)| t_j != n_j)
                .is_none_or(|(t_j, n_j)| t_j > n_j);
        out.clear();
        if at_least_n {
            let mut borrow = false;
            for (&t_j, &n_j) in t.iter().take(len).zip(&self.n) {
                let (d, b1) = t_j.overflowing_sub(n_j);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                out.push(d);
                borrow = b1 || b2;
            }
        } else {
            out.extend(t.iter().take(len));
        }
    }
}

/// Buffers reused by every product of one exponentiation.
struct Scratch {
    t: Vec<u64>,
    u: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygate_core::clock::{DeterministicRandom, RandomSource};

    fn random_odd(bits: usize, random: &DeterministicRandom) -> BigUint {
        let mut bytes = vec![0u8; bits / 8];
        random.fill(&mut bytes).unwrap();
        bytes[0] |= 0x80;
        *bytes.last_mut().unwrap() |= 1;
        BigUint::from_bytes_be(&bytes)
    }

    /// Agrees with the general modular power for moduli of 1024 to 4096 bits, usual and
    /// unusual exponents, and messages from 0 to n − 1.
    #[test]
    fn agrees_with_modpow() {
        let random = DeterministicRandom::new(11);
        for bits in [1024, 2048, 3072, 4096] {
            let n = random_odd(bits, &random);
            let k = bits / 8;
            for e in [0u64, 1, 2, 3, 17, 65_537, 4_294_967_297, u64::MAX] {
                let e = BigUint::from(e);
                let power = PublicPower::new(&n, &e).unwrap();
                let mut messages = vec![BigUint::from(0u8), BigUint::from(1u8), &n - 1u8, &n >> 1];
                for _ in 0..8 {
                    let mut bytes = vec![0u8; k];
                    random.fill(&mut bytes[1..]).unwrap();
                    messages.push(BigUint::from_bytes_be(&bytes));
                }
                for m in messages {
                    let mut block = m.to_bytes_be();
                    block.splice(0..0, std::iter::repeat_n(0u8, k - block.len()));
                    let expected = m.modpow(&e, &n);
                    let got = power.apply(&block);
                    assert_eq!(got.len(), k);
                    assert_eq!(
                        BigUint::from_bytes_be(&got),
                        expected,
                        "{bits} bits, e = {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn even_moduli_are_refused() {
        assert!(PublicPower::new(&BigUint::from(10u8), &BigUint::from(3u8)).is_none());
        assert!(PublicPower::new(&BigUint::from(0u8), &BigUint::from(3u8)).is_none());
    }
}
