/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tally.h: the whole public API of libtally. Include this one header.
 * docs/api.md is the guide; each header documents its functions.
 */
#ifndef TALLY_TALLY_H
#define TALLY_TALLY_H

#include "tally/common.h"
#include "tally/template.h"
#include "tally/model.h"
#include "tally/protocol.h"
#include "tally/turnout.h"
#include "tally/count.h"
#include "tally/csv.h"
#include "tally/sim.h"
#include "tally/import.h"
#include "tally/seats.h"
#include "tally/ledger.h"
#include "tally/audit.h"
#include "tally/forensics.h"
#include "tally/rcv.h"

#endif
