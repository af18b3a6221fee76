//! The config's `[metrics]`: the weights of the score and the prices of the cost.

/// Weights of the score and prices of the cost (from the config's `[metrics]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Scoring {
    /// Weight of the hit rate in the score.
    pub hit_rate_weight: f64,
    /// Weight of the efficiency ratio in the score.
    pub efficiency_weight: f64,
    /// Price of one status call.
    pub call_price: f64,
    /// Price of one second of detection delay.
    pub delay_price: f64,
    /// Price of a job the client gave up on.
    pub give_up_price: f64,
}

impl Default for Scoring {
    fn default() -> Self {
        Self {
            hit_rate_weight: 1.0,
            efficiency_weight: 1.0,
            call_price: 1.0,
            delay_price: 0.1,
            give_up_price: 0.0,
        }
    }
}

impl Scoring {
    /// Expected cost per job: `c_call·E[calls] + c_delay·E[delay; detected] + c_give_up·P(give up)`.
    pub fn cost(&self, calls_per_job: f64, delay_per_job: f64, give_up_rate: f64) -> f64 {
        self.call_price * calls_per_job
            + self.delay_price * delay_per_job
            + self.give_up_price * give_up_rate
    }

    /// `w_hr · HR − w_er · ER`.
    pub fn score(&self, hit_rate: f64, efficiency_ratio: f64) -> f64 {
        self.hit_rate_weight * hit_rate - self.efficiency_weight * efficiency_ratio
    }
}
