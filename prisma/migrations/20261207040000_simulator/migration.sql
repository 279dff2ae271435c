-- The simulator (src/sim/): its planners grab on channel 'sim' (only in a simulation's own database),
-- and the console's runs are kept with their metrics and report.
ALTER TYPE "Channel" ADD VALUE 'sim';

CREATE TYPE "SimulationStatus" AS ENUM ('queued', 'running', 'done', 'failed');

CREATE TABLE "simulation_runs" (
    "id" SERIAL NOT NULL,
    "status" "SimulationStatus" NOT NULL DEFAULT 'queued',
    "request" JSONB NOT NULL,
    "scenario" JSONB,
    "progress" JSONB,
    "metrics" JSONB,
    "report" TEXT,
    "error" TEXT,
    "by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "simulation_runs_pkey" PRIMARY KEY ("id")
);
