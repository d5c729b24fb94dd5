//! Money without floats: an amount in minor units of an ISO 4217 currency, parsed from and
//! formatted for people; and the thousands grouping every count on a page uses.

use serde::{Deserialize, Serialize};

/// An amount of money in minor units (cents) of a currency. Never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// An ISO 4217 code, upper-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim().to_uppercase();
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err("must be a three-letter currency code such as USD or EUR")
        }
    }

    pub fn as_str(&self) -> &str {
        // Only `parse` and the constants make one, from three ASCII letters: always UTF-8.
        // Were it not, "XXX" is ISO 4217's own code for "no currency".
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 exponent) for the currencies we know.
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "CLP" | "ISK" | "VND" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        Some(match self.as_str() {
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            "JPY" => "¥",
            "INR" => "₹",
            _ => return None,
        })
    }
}

impl TryFrom<String> for Currency {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses "12500", "12,500.50" or "$12,500" into minor units. A single comma followed by
    /// at most two digits ("1234,50") is read as a decimal comma; other commas group thousands.
    pub fn parse_amount(raw: &str, currency: Currency) -> Result<Self, &'static str> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .collect();
        let s = s.trim_start_matches(|c: char| "$€£¥₹".contains(c));
        if s.is_empty() {
            return Err("is required");
        }
        if s.starts_with('-') {
            return Err("must not be negative");
        }
        // A decimal comma ("1234,50") when it is the only separator and ends the number.
        let normalised = match (s.matches(',').count(), s.contains('.')) {
            (1, false) if s.rsplit(',').next().is_some_and(|t| t.len() <= 2) => s.replace(',', "."),
            _ => s.replace(',', ""),
        };
        let (whole, frac) = normalised.split_once('.').unwrap_or((&normalised, ""));
        let exp = currency.exponent() as usize;
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err("must be a number such as 12500 or 12500.50");
        }
        if frac.len() > exp {
            return Err("has more decimals than the currency allows");
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| "is too large")?
        };
        let mut frac_digits = frac.to_owned();
        while frac_digits.len() < exp {
            frac_digits.push('0');
        }
        let frac: i64 = if frac_digits.is_empty() {
            0
        } else {
            frac_digits.parse().map_err(|_| "is not a number")?
        };
        let minor = whole
            .checked_mul(10_i64.pow(exp as u32))
            .and_then(|w| w.checked_add(frac))
            .ok_or("is too large")?;
        Ok(Money { minor, currency })
    }

    /// "$12,500" / "€1,250.50" / "12,500 CHF" (whole units only when there are no cents).
    pub fn format(&self) -> String {
        let exp = self.currency.exponent();
        let unit = 10_i64.pow(exp);
        let (whole, frac) = (
            self.minor.unsigned_abs() / unit as u64,
            self.minor.unsigned_abs() % unit as u64,
        );
        let mut digits = group_thousands(whole);
        if frac != 0 {
            digits.push_str(&format!(".{:0width$}", frac, width = exp as usize));
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        match self.currency.symbol() {
            Some(sym) => format!("{sign}{sym}{digits}"),
            None => format!("{sign}{digits} {}", self.currency.as_str()),
        }
    }

    /// "$1.2M", "€450K", "$980" — for charts, cards and board columns.
    pub fn format_compact(&self) -> String {
        let units = self.minor as f64 / 10_f64.powi(self.currency.exponent() as i32);
        let abs = units.abs();
        let (value, suffix) = if abs >= 1e9 {
            (units / 1e9, "B")
        } else if abs >= 1e6 {
            (units / 1e6, "M")
        } else if abs >= 1e3 {
            (units / 1e3, "K")
        } else {
            (units, "")
        };
        let number = if suffix.is_empty() || value.abs() >= 100.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}").trim_end_matches(".0").to_owned()
        };
        match self.currency.symbol() {
            Some(sym) => format!("{sym}{number}{suffix}"),
            None => format!("{number}{suffix} {}", self.currency.as_str()),
        }
    }
}

pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_and_formats() {
        let usd = Currency::USD;
        assert_eq!(Money::parse_amount("12500", usd).unwrap().minor, 1_250_000);
        assert_eq!(
            Money::parse_amount("$12,500.5", usd).unwrap().minor,
            1_250_050
        );
        assert_eq!(
            Money::parse_amount("1234,50", Currency::EUR).unwrap().minor,
            123_450
        );
        assert_eq!(
            Money::parse_amount("1,234,567", usd).unwrap().minor,
            123_456_700
        );
        assert!(Money::parse_amount("-5", usd).is_err());
        assert!(Money::parse_amount("12.345", usd).is_err());
        assert!(Money::parse_amount("abc", usd).is_err());
        assert!(Money::parse_amount("99999999999999999999", usd).is_err());
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse_amount("1200", jpy).unwrap().minor, 1200);
        assert_eq!(Money::new(1_250_050, usd).format(), "$12,500.50");
        assert_eq!(Money::new(1_250_000, usd).format(), "$12,500");
        assert_eq!(
            Money::new(120_000, Currency::parse("CHF").unwrap()).format(),
            "1,200 CHF"
        );
        assert_eq!(Money::new(12_345_678_900, usd).format_compact(), "$123M");
        assert_eq!(Money::new(125_000_000, usd).format_compact(), "$1.2M");
        assert_eq!(
            Money::new(4_500_000, Currency::EUR).format_compact(),
            "€45K"
        );
        assert_eq!(Money::new(98_000, usd).format_compact(), "$980");
    }

    #[test]
    fn currency_codes() {
        assert!(Currency::parse("usd").is_ok());
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U$D").is_err());
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"EUR\"");
    }
}
