//! A minimal proxy-wasm filter doing only llm-mesh's core rewrite: the provider's authority and
//! key on the headers, the configured model in the JSON body. No routing, no validation beyond
//! parsing, no translation, no metrics: the least any Wasm filter doing this job must do.
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use serde_json::Value;
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { settings: Rc::new(Settings::default()) }) });
}}

#[derive(Default)]
struct Settings {
    authority: String,
    authorization: String,
    model: String,
}

struct Root {
    settings: Rc<Settings>,
}

impl Context for Root {}

impl RootContext for Root {
    /// Configuration: {"authority": "...", "key": "...", "model": "..."}.
    fn on_configure(&mut self, _size: usize) -> bool {
        let Some(bytes) = self.get_plugin_configuration() else { return false };
        let Ok(config) = serde_json::from_slice::<Value>(&bytes) else { return false };
        let text = |name: &str| config.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        self.settings = Rc::new(Settings { authority: text("authority"), authorization: format!("Bearer {}", text("key")), model: text("model") });
        true
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Rewrite { settings: self.settings.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Rewrite {
    settings: Rc<Settings>,
}

impl Context for Rewrite {}

impl HttpContext for Rewrite {
    fn on_http_request_headers(&mut self, _count: usize, _end_of_stream: bool) -> Action {
        self.set_http_request_header(":authority", Some(&self.settings.authority));
        self.set_http_request_header("authorization", Some(&self.settings.authorization));
        // The body's length changes with the model.
        self.set_http_request_header("content-length", None);
        Action::Continue
    }

    fn on_http_request_body(&mut self, size: usize, end_of_stream: bool) -> Action {
        if !end_of_stream {
            return Action::Pause;
        }
        let Some(body) = self.get_http_request_body(0, size) else { return Action::Continue };
        let Ok(mut json) = serde_json::from_slice::<Value>(&body) else { return Action::Continue };
        if let Some(object) = json.as_object_mut() {
            object.insert("model".to_string(), Value::String(self.settings.model.clone()));
        }
        if let Ok(out) = serde_json::to_vec(&json) {
            self.set_http_request_body(0, size, &out);
        }
        Action::Continue
    }
}
