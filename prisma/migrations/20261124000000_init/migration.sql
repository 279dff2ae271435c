-- CreateEnum
CREATE TYPE "Tier" AS ENUM ('S', 'A', 'B', 'C');

-- CreateEnum
CREATE TYPE "Status" AS ENUM ('active', 'suspended');

-- CreateEnum
CREATE TYPE "Subject" AS ENUM ('individual', 'enterprise');

-- CreateEnum
CREATE TYPE "BudgetType" AS ENUM ('total', 'per_person');

-- CreateEnum
CREATE TYPE "RequirementStatus" AS ENUM ('open', 'full', 'chosen', 'paid', 'closed', 'cancelled');

-- CreateEnum
CREATE TYPE "WorkOrderStatus" AS ENUM ('active', 'proposed', 'expired', 'chosen', 'closed');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('h5', 'pc', 'wechat', 'dispatch');

-- CreateTable
CREATE TABLE "suppliers" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "status" "Status" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppliers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "planners" (
    "id" SERIAL NOT NULL,
    "supplier_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "tier" "Tier" NOT NULL,
    "destinations" TEXT[],
    "max_active" INTEGER NOT NULL,
    "daily_quota" INTEGER,
    "status" "Status" NOT NULL DEFAULT 'active',
    "openid" TEXT,
    "bind_code" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "planners_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travelers" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "openid" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "travelers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "requirements" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "traveler_id" INTEGER NOT NULL,
    "subject" "Subject" NOT NULL,
    "company" TEXT,
    "origin" TEXT NOT NULL,
    "destinations" TEXT[],
    "depart_date" DATE NOT NULL,
    "return_date" DATE NOT NULL,
    "adults" INTEGER NOT NULL,
    "children" INTEGER NOT NULL,
    "budget_fen" INTEGER NOT NULL,
    "budget_type" "BudgetType" NOT NULL DEFAULT 'total',
    "planners_wanted" INTEGER NOT NULL,
    "notes" TEXT,
    "min_tier" "Tier" NOT NULL DEFAULT 'C',
    "blocked_planner_ids" INTEGER[],
    "blocked_supplier_ids" INTEGER[],
    "status" "RequirementStatus" NOT NULL DEFAULT 'open',
    "flagged_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "full_at" TIMESTAMP(3),

    CONSTRAINT "requirements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "candidates" (
    "requirement_id" INTEGER NOT NULL,
    "planner_id" INTEGER NOT NULL,
    "tier" "Tier" NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "candidates_pkey" PRIMARY KEY ("requirement_id","planner_id")
);

-- CreateTable
CREATE TABLE "releases" (
    "requirement_id" INTEGER NOT NULL,
    "tier" "Tier" NOT NULL,
    "released_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "releases_pkey" PRIMARY KEY ("requirement_id","tier")
);

-- CreateTable
CREATE TABLE "work_orders" (
    "id" TEXT NOT NULL,
    "requirement_id" INTEGER NOT NULL,
    "planner_id" INTEGER NOT NULL,
    "supplier_id" INTEGER NOT NULL,
    "status" "WorkOrderStatus" NOT NULL DEFAULT 'active',
    "channel" "Channel" NOT NULL,
    "grabbed_at" TIMESTAMP(3) NOT NULL,
    "deadline_at" TIMESTAMP(3) NOT NULL,
    "proposed_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "work_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "proposals" (
    "id" SERIAL NOT NULL,
    "work_order_id" TEXT NOT NULL,
    "itinerary" TEXT NOT NULL,
    "price_fen" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "proposals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "grab_events" (
    "id" BIGSERIAL NOT NULL,
    "requirement_id" INTEGER NOT NULL,
    "planner_id" INTEGER NOT NULL,
    "channel" "Channel" NOT NULL,
    "code" TEXT NOT NULL,
    "ip" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grab_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "suppliers_name_key" ON "suppliers"("name");

-- CreateIndex
CREATE UNIQUE INDEX "planners_phone_key" ON "planners"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "planners_openid_key" ON "planners"("openid");

-- CreateIndex
CREATE UNIQUE INDEX "planners_bind_code_key" ON "planners"("bind_code");

-- CreateIndex
CREATE INDEX "planners_supplier_id_idx" ON "planners"("supplier_id");

-- CreateIndex
CREATE UNIQUE INDEX "travelers_phone_key" ON "travelers"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "travelers_openid_key" ON "travelers"("openid");

-- CreateIndex
CREATE UNIQUE INDEX "requirements_code_key" ON "requirements"("code");

-- CreateIndex
CREATE INDEX "requirements_status_idx" ON "requirements"("status");

-- CreateIndex
CREATE INDEX "candidates_planner_id_idx" ON "candidates"("planner_id");

-- CreateIndex
CREATE UNIQUE INDEX "work_orders_requirement_id_planner_id_key" ON "work_orders"("requirement_id", "planner_id");

-- CreateIndex
CREATE INDEX "work_orders_planner_id_status_idx" ON "work_orders"("planner_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "proposals_work_order_id_key" ON "proposals"("work_order_id");

-- CreateIndex
CREATE INDEX "grab_events_requirement_id_idx" ON "grab_events"("requirement_id");

-- CreateIndex
CREATE INDEX "grab_events_planner_id_at_idx" ON "grab_events"("planner_id", "at");

-- AddForeignKey
ALTER TABLE "planners" ADD CONSTRAINT "planners_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "suppliers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requirements" ADD CONSTRAINT "requirements_traveler_id_fkey" FOREIGN KEY ("traveler_id") REFERENCES "travelers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "candidates" ADD CONSTRAINT "candidates_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "candidates" ADD CONSTRAINT "candidates_planner_id_fkey" FOREIGN KEY ("planner_id") REFERENCES "planners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "releases" ADD CONSTRAINT "releases_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_planner_id_fkey" FOREIGN KEY ("planner_id") REFERENCES "planners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_work_order_id_fkey" FOREIGN KEY ("work_order_id") REFERENCES "work_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Not expressible in schema.prisma: one live slot per supplier and requirement. An expired
-- slot no longer holds its supplier, so another planner of that supplier may take it.
CREATE UNIQUE INDEX "work_orders_live_supplier_key" ON "work_orders"("requirement_id", "supplier_id") WHERE "status" <> 'expired';
