//! Header values with `${NAME}` references to environment variables: parsed
//! when the config loads, resolved only when a client is built, so that loading
//! a config never needs (or prints) a secret.

/// A header value with `${NAME}` references to environment variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderTemplate {
    /// The header's name, as written.
    pub name: String,
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
}

impl HeaderTemplate {
    /// Parses `Bearer ${TOKEN}`: `${` opens a variable name (letters, digits
    /// and `_`, not starting with a digit) closed by `}`; `$` alone is text.
    pub fn parse(name: &str, value: &str) -> Result<Self, String> {
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid_name {
            return Err(format!(
                "'{name}' is not a header name: use letters, digits and '-' (like X-Api-Key)"
            ));
        }
        let mut parts = Vec::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            parts.push(Part::Text(rest[..start].to_string()));
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err("'${' is not closed: write ${NAME} to read the variable NAME from the environment".into());
            };
            let var = &after[..end];
            let valid = var
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "'${{{var}}}' does not name an environment variable: use letters, digits and '_' (like ${{SERVICE_TOKEN}})"
                ));
            }
            parts.push(Part::Var(var.to_string()));
            rest = &after[end + 1..];
        }
        parts.push(Part::Text(rest.to_string()));
        parts.retain(|p| !matches!(p, Part::Text(t) if t.is_empty()));
        if parts
            .iter()
            .any(|p| matches!(p, Part::Text(t) if t.chars().any(char::is_control)))
        {
            return Err(
                "holds a control character (a line break?): header values are one line".into(),
            );
        }
        Ok(Self {
            name: name.to_string(),
            parts,
        })
    }

    /// The value with every `${NAME}` read by `env`; a missing variable is
    /// an error that names it (never a value).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut value = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => value.push_str(t),
                Part::Var(name) => match env(name) {
                    Some(v) => value.push_str(&v),
                    None => {
                        return Err(format!(
                            "the environment variable {name} is not set: export {name}=… before running"
                        ));
                    }
                },
            }
        }
        Ok(value)
    }

    /// The values `env` gives the variables the value reads (the secrets to
    /// keep out of messages).
    pub fn variables(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Var(name) => env(name),
                Part::Text(_) => None,
            })
            .collect()
    }

    /// Whether the value reads the environment (and so may hold a secret).
    pub fn is_secret(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Var(_)))
    }
}
