//! One call shape for every provider endpoint: a request type that builds its [`HttpRequest`]
//! and reads its answer, both pure (sans-IO), sent by [`Dispatcher::send`].

use time::OffsetDateTime;

use super::{Dispatcher, HttpRequest, HttpResponse};
use crate::clock::RandomSource;
use crate::error::Result;
use crate::model::NativeResponse;

/// What a call may use to build its request besides its own fields: the time (PayWay's
/// `req_time`, PayG's `RequestDateTime`) and randomness (RSA padding, multipart boundaries),
/// both injected so that tests and fixtures are deterministic.
#[derive(Clone, Copy)]
pub struct CallContext<'a> {
    /// The dispatcher's clock, read once per call.
    pub now: OffsetDateTime,
    /// The dispatcher's randomness.
    pub random: &'a dyn RandomSource,
}

/// One endpoint of a provider, configured by `Config` (the provider's config type).
pub trait Call<Config: ?Sized> {
    /// The provider's answer, in its own field names.
    type Output;

    /// The request to send.
    fn to_request(&self, config: &Config, context: CallContext<'_>) -> Result<HttpRequest>;

    /// Reads an answer, whatever its HTTP status.
    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>>;
}

impl Dispatcher {
    /// Builds `call`'s request and sends it, retrying as the policy allows (reads only, or a
    /// write that provably never left), and reads the answer with the call.
    pub async fn send<Config, K>(
        &self,
        config: &Config,
        call: &K,
    ) -> Result<NativeResponse<K::Output>>
    where
        Config: ?Sized + Sync,
        K: Call<Config> + Sync,
        K::Output: Send,
    {
        let context = CallContext {
            now: self.clock().now(),
            random: self.random().as_ref(),
        };
        let request = call.to_request(config, context)?;
        self.execute(&request, |response| call.read_response(response))
            .await
    }
}
