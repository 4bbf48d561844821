// Secrets in what coroner prints. Much of its output is text that came from the core — dying words
// (assert, abort and panic messages, exception what()), arguments, thread names, quoted source lines —
// and a crashed process's text can hold a credential. Every command's output passes through here, with
// the scanner's own rules, so that a secret shows as the same preview pm-secrets-scan prints, unless the
// user asked for --reveal.
#pragma once

#include "coroner/secrets/secret_rules.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace coroner {

// The text with each secret the rules find replaced by its preview ("ghp_…wxyz").
std::string redact_secrets_in_text(const std::string& text, const SecretRules& rules);

// The same for every string value of a JSON document (keys are coroner's own); the document's shape is
// untouched, so a redacted value can never break the JSON around it.
void redact_secrets_in_json(nlohmann::ordered_json& document, const SecretRules& rules);
void redact_secrets_in_json(nlohmann::json& document, const SecretRules& rules);

}  // namespace coroner
